import { Controller, Get, Inject } from '@nestjs/common';
import { RequireScope } from '../auth/auth.decorators.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { CacheNodeApi } from '../core/node-api.js';
import { CONFIG, NODE } from '../seams/tokens.js';
import { ApiTopology } from './topology.openapi.js';
import { type TopologyResponse, topologyView } from './topology-view.js';

/** `GET /v1/topology` (docs/api.md §1.17): the ring a routing client needs, from this node's view. */
@Controller('v1/topology')
export class TopologyController {
  constructor(@Inject(CONFIG) private readonly config: HypercacheConfig, @Inject(NODE) private readonly node: CacheNodeApi) {}

  @Get()
  @RequireScope('read')
  @ApiTopology()
  topology(): TopologyResponse {
    return topologyView(this.node.snapshot().members, this.node.nodeId, this.config);
  }
}
