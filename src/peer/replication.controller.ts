import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CacheNodeApi } from '../core/node-api.js';
import { CONFIG, NODE } from '../seams/tokens.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { readPeerBody } from './peer-message.js';
import { HotRoute } from '../auth/auth.decorators.js';
import type { ReplicateResult, WireEntry } from '../core/replication/wire.js';
import { coordinateOp, readOp, replicateOp } from './replication-ops.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { PEER_PREFIX } from './peer-protocol.js';

const OBJECT = { type: 'object' as const, additionalProperties: true };

/**
 * `POST /peer/{replicate,read,coordinate}` (docs/peer-protocol.md §2): body (413) → whole-message validation
 * (400, nothing applied) → the node. Thin: the cluster logic lives in `core/replication/`. All three
 * are `@HotRoute()`s: the dist fast path (peer-fast-path.ts) answers the requests the peer guard
 * admits, with the same operations; this controller answers the rest and documents the routes.
 */
@ApiTags('replication')
@Controller(PEER_PREFIX)
export class ReplicationController {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi, @Inject(CONFIG) private readonly config: HypercacheConfig) {}

  @Post('replicate')
  @HotRoute()
  @HttpCode(200)
  @ApiOperation({ summary: 'Apply entries (apply-if-newer); hard for replication/hint/handoff, soft for repair/merkle/migration' })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: 'Per entry: applied or stale', schema: OBJECT })
  @ApiErrors(400, 401, 413)
  async replicate(@Req() req: FastifyRequest): Promise<{ results: ReplicateResult[] }> {
    return replicateOp(this.node, this.config.maxValueBytes, await this.body(req));
  }

  @Post('read')
  @HotRoute()
  @HttpCode(200)
  @ApiOperation({ summary: 'Local entries of the keys (item with value, tombstone, or null)' })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: 'One entry or null per key', schema: OBJECT })
  @ApiErrors(400, 401, 413)
  async read(@Req() req: FastifyRequest): Promise<{ entries: (WireEntry | null)[] }> {
    return readOp(this.node, await this.body(req));
  }

  @Post('coordinate')
  @HotRoute()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Coordinate a forwarded client write or delete; the answer is the data of the client answer',
    description: 'One operation (`op`, `key`, `value_b64`, `ttl_ms`, `consistency`, preconditions), or several for this coordinator as `{"ops":[…]}` (1–1000), '
      + 'answered 200 `{"results":[…]}` with, per operation, its `status` and the body a single call would have answered (docs/peer-protocol.md §2.1).',
  })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: 'Written: version, acks, n, owners, expires_at; or, for `ops`, one such answer (or error body) with its `status` per operation', schema: OBJECT })
  @ApiErrors(400, 401, 412, 413, 503)
  async coordinate(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, unknown>> {
    const out = await coordinateOp(this.node, this.config.maxValueBytes, await this.body(req));
    if (out.status !== 200) void reply.status(out.status);
    return out.body;
  }

  private body(req: FastifyRequest): Promise<Buffer> {
    return readPeerBody(req, this.config.maxValueBytes);
  }
}
