import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/auth.decorators.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { CacheNode } from '../core/node.js';
import type { ProcessInfo } from '../seams/process-info.js';
import { CONFIG, NODE, PROCESS_INFO } from '../seams/tokens.js';
import { renderFor, type ScrapeTarget } from './scrape-target.js';

/** `GET /metrics` (CONTRACT §5.9): the willsoto controller, with the read scope and this app's node. */
@ApiTags('metrics')
@Controller()
export class MetricsController extends PrometheusController {
  private readonly target: ScrapeTarget;

  constructor(
    @Inject(NODE) node: CacheNode,
    @Inject(CONFIG) config: HypercacheConfig,
    @Inject(PROCESS_INFO) info: ProcessInfo,
  ) {
    super();
    this.target = { node, config, version: info.version };
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'Prometheus text format 0.0.4' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'metrics', schema: { type: 'string' } })
  override index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    return renderFor(this.target, () => super.index(response));
  }
}
