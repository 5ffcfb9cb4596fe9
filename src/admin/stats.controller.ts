import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators.js';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import type { StatSummary } from '../core/stats/stats-recorder.js';
import { ApiStatsView } from './views.openapi.js';

@ApiTags('stats')
@Controller()
export class StatsController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get('stats')
  @RequireScope('read')
  @ApiOperation({ summary: 'Sample summaries of the eviction and expiry loops (stats with no samples are omitted)' })
  @ApiStatsView()
  stats(): Record<string, StatSummary> {
    return this.core.node.stats.snapshot();
  }
}
