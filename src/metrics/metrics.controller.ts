import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '../common/api-docs.js';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/auth.decorators.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { ProcessInfo } from '../seams/process-info.js';
import { CONFIG, NODE, PROCESS_INFO } from '../seams/tokens.js';
import { renderFor, type ScrapeTarget } from './scrape-target.js';

/** `GET /metrics` (docs/api.md §2.4): the willsoto controller, with the read scope and this app's node. */
@ApiTags('metrics')
@Controller()
export class MetricsController extends PrometheusController {
  constructor(
    @Inject(NODE) private readonly node: CacheNodeApi,
    @Inject(CONFIG) private readonly config: HypercacheConfig,
    @Inject(PROCESS_INFO) private readonly info: ProcessInfo,
  ) {
    super();
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'Prometheus text format 0.0.4' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'metrics', schema: { type: 'string' } })
  override index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    const target: ScrapeTarget = { snapshot: this.node.snapshot(), config: this.config, version: this.info.version };
    return renderFor(target, () => super.index(response));
  }
}
