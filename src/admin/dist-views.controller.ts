import { Controller, Get, Inject, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '../common/api-docs.js';
import type { FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/auth.decorators.js';
import { NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { DistMetrics } from '../core/metrics/dist-metrics.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { keyFromQuery } from './key-query.js';
import { ApiDistMetrics } from './views.openapi.js';

@ApiTags('dist')
@Controller('dist')
export class DistViewsController {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi) {}

  @Get('metrics')
  @RequireScope('read')
  @ApiOperation({ summary: 'Distribution counters and gauges' })
  @ApiDistMetrics()
  metrics(): DistMetrics {
    return this.node.snapshot().dist;
  }

  @Get('owners')
  @RequireScope('read')
  @ApiOperation({ summary: 'Owners of a key on this node’s ring' })
  @ApiQuery({ name: 'key', required: true, description: '1–1024 bytes of UTF-8' })
  @ApiOkResponse({ description: '{key, owners}' })
  @ApiErrors(400)
  owners(@Req() req: FastifyRequest): { key: string; owners: string[] } {
    const key = keyFromQuery(req.url);
    return { key, owners: this.node.owners(key) };
  }
}
