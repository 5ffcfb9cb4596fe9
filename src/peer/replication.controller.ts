import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '../common/api-docs.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CacheNodeApi } from '../core/node-api.js';
import { CONFIG, NODE } from '../seams/tokens.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { readPeerBody } from './peer-message.js';
import { HotRoute } from '../auth/auth.decorators.js';
import { coordinateOp, peerAnswer, readOp, replicateOp } from './replication-ops.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { PEER_PREFIX } from './peer-protocol.js';
import { ApiFrames } from './peer-frame.openapi.js';

/**
 * `POST /peer/{replicate,read,coordinate}` (docs/peer-protocol.md §2), frames in and out (§3.1): body (413) → whole-message validation
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
  @ApiFrames('`source` and `entries` (items with `value_len`, tombstones)', '`results`: per entry, applied or stale')
  @ApiErrors(400, 401, 413)
  async replicate(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer | Record<string, unknown>> {
    return peerAnswer(reply, replicateOp(this.node, this.config.maxValueBytes, await this.body(req)));
  }

  @Post('read')
  @HotRoute()
  @HttpCode(200)
  @ApiOperation({ summary: 'Local entries of the keys (item with value, tombstone, or null)' })
  @ApiFrames('`keys`', '`entries`: one entry (an item with its value, a tombstone) or null per key')
  @ApiErrors(400, 401, 413)
  async read(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer | Record<string, unknown>> {
    return peerAnswer(reply, readOp(this.node, await this.body(req)));
  }

  @Post('coordinate')
  @HotRoute()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Coordinate a forwarded client write or delete; the answer is the data of the client answer',
    description: 'One operation, or several for this coordinator as `{"ops":[…]}` (1–1000, their values in `ops` order in the tail), '
      + 'answered 200 with `{"results":[…]}`: per operation, its `status` and the body a single call would have answered (docs/peer-protocol.md §2.1).',
  })
  @ApiFrames(
    '`op`, `key`, `value_len` (put), `ttl_ms`, `consistency`, preconditions; or `ops`, a list of such operations',
    'Written: version, acks, n, owners, expires_at; for `ops`, one such answer (or error body) with its `status` per operation. A refused single write is the JSON envelope with its status',
  )
  @ApiErrors(400, 401, 412, 413, 503)
  async coordinate(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer | Record<string, unknown>> {
    return peerAnswer(reply, await coordinateOp(this.node, this.config.maxValueBytes, await this.body(req)));
  }

  private body(req: FastifyRequest): Promise<Buffer> {
    return readPeerBody(req, this.config.maxValueBytes);
  }
}
