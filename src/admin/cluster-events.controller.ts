import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '../common/api-docs.js';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/auth.decorators.js';
import { ClusterEventsService } from './cluster-events.service.js';

@ApiTags('cluster')
@Controller('cluster')
export class ClusterEventsController {
  constructor(private readonly events: ClusterEventsService) {}

  /** A long-lived stream: the reply is taken over from Fastify (Nest's @Sse would add `id:` lines). */
  @Get('events')
  @RequireScope('read')
  @ApiOperation({ summary: 'Server-Sent Events: members, member, heartbeat, draining' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'event stream; `members` and `member` payloads carry `State` (and `Previous`) alive, suspect, dead or draining',
    schema: { type: 'string' },
  })
  subscribe(@Res() reply: FastifyReply): void {
    reply.hijack();
    this.events.open(reply.raw, reply.request.method === 'HEAD');
  }
}
