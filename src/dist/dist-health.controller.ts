import { Controller, Get, Inject } from '@nestjs/common';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { CacheError } from '../core/errors.js';

/** Dist `GET /health` (CONTRACT §7.2 `health`): 503 DRAINING while the node drains. */
@Controller()
export class DistHealthController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get('health')
  health(): { status: 'ok'; node: string } {
    if (this.core.node.isDraining()) throw new CacheError('DRAINING', 'node is draining');
    return { status: 'ok', node: this.core.node.nodeId };
  }
}
