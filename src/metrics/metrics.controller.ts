import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/auth.decorators.js';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { renderFor } from './scrape-target.js';

/** `GET /metrics` (CONTRACT §5.9): the willsoto controller, with the read scope and this app's node. */
@ApiTags('metrics')
@Controller()
export class MetricsController extends PrometheusController {
  constructor(@Inject(CORE) private readonly core: Core) {
    super();
  }

  @Get()
  @RequireScope('read')
  @ApiOperation({ summary: 'Prometheus text format 0.0.4' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'metrics', schema: { type: 'string' } })
  override index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    return renderFor(this.core, () => super.index(response));
  }
}
