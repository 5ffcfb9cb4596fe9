import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators.js';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { type HeartbeatView, heartbeatView, type MembersView, membersView, type RingView, ringView } from './cluster-views.js';
import { ApiHeartbeatView, ApiMembersView, ApiRingView } from './views.openapi.js';

/** Cluster views (CONTRACT §5.6). */
@ApiTags('cluster')
@Controller('cluster')
export class ClusterController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get('members')
  @RequireScope('read')
  @ApiOperation({ summary: 'Membership records, sorted by ID' })
  @ApiMembersView()
  members(): MembersView {
    return membersView(this.core);
  }

  @Get('ring')
  @RequireScope('read')
  @ApiOperation({ summary: 'Virtual nodes of the ring, by hash' })
  @ApiRingView()
  ring(): RingView {
    return ringView(this.core);
  }

  @Get('heartbeat')
  @RequireScope('read')
  @ApiOperation({ summary: 'Failure-detector counters' })
  @ApiHeartbeatView()
  heartbeat(): HeartbeatView {
    return heartbeatView(this.core);
  }
}
