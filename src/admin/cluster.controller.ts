import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '../common/api-docs.js';
import { RequireScope } from '../auth/auth.decorators.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { CONFIG, NODE } from '../seams/tokens.js';
import { type HeartbeatView, heartbeatView, type MembersView, membersView, type RingView, ringView } from './cluster-views.js';
import { ApiHeartbeatView, ApiMembersView, ApiRingView } from './views.openapi.js';

/** Cluster views (docs/api.md §2.6). */
@ApiTags('cluster')
@Controller('cluster')
export class ClusterController {
  constructor(@Inject(CONFIG) private readonly config: HypercacheConfig, @Inject(NODE) private readonly node: CacheNodeApi) {}

  @Get('members')
  @RequireScope('read')
  @ApiOperation({ summary: 'Membership records, sorted by ID' })
  @ApiMembersView()
  members(): MembersView {
    return membersView(this.node.snapshot(), this.config);
  }

  @Get('ring')
  @RequireScope('read')
  @ApiOperation({ summary: 'Virtual nodes of the ring, by hash' })
  @ApiRingView()
  ring(): RingView {
    return ringView(this.node.ringVnodes());
  }

  @Get('heartbeat')
  @RequireScope('read')
  @ApiOperation({ summary: 'Failure-detector counters' })
  @ApiHeartbeatView()
  heartbeat(): HeartbeatView {
    return heartbeatView(this.node.snapshot());
  }
}
