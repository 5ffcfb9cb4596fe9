import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators.js';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { type HeartbeatView, heartbeatView, type MembersView, membersView, type RingView, ringView } from './cluster-views.js';

/** Cluster views (CONTRACT §5.6). */
@ApiTags('cluster')
@Controller('cluster')
export class ClusterController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get('members')
  @RequireScope('read')
  @ApiOperation({ summary: 'Membership records, sorted by ID' })
  @ApiOkResponse({ description: '{replication, virtualNodes, members}' })
  members(): MembersView {
    return membersView(this.core);
  }

  @Get('ring')
  @RequireScope('read')
  @ApiOperation({ summary: 'Virtual nodes of the ring, by hash' })
  @ApiOkResponse({ description: '{count, vnodes}' })
  ring(): RingView {
    return ringView(this.core);
  }

  @Get('heartbeat')
  @RequireScope('read')
  @ApiOperation({ summary: 'Failure-detector counters' })
  @ApiOkResponse({ description: 'heartbeat counters' })
  heartbeat(): HeartbeatView {
    return heartbeatView(this.core);
  }
}
