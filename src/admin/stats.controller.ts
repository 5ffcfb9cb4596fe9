import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '../common/api-docs.js';
import { RequireScope } from '../auth/auth.decorators.js';
import { NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { StatSummary } from '../core/stats/stats-recorder.js';
import { ApiStatsView } from './views.openapi.js';

@ApiTags('stats')
@Controller()
export class StatsController {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi) {}

  @Get('stats')
  @RequireScope('read')
  @ApiOperation({ summary: 'Sample summaries of the eviction and expiry loops (stats with no samples are omitted)' })
  @ApiStatsView()
  stats(): Record<string, StatSummary> {
    return this.node.statsSummary();
  }
}
