import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { parsePeerMessage, readPeerBody } from './peer-message.js';
import { CacheError } from '../core/errors.js';
import {
  HARD_SOURCES, type ReplicateResult, WireError, type WireEntry, encodeEntry,
  parseCoordinateRequest, parseReadRequest, parseReplicateRequest,
} from '../core/replication/wire.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { PEER_PREFIX } from './peer-protocol.js';

const OBJECT = { type: 'object' as const, additionalProperties: true };

/**
 * `POST /peer/{replicate,read,coordinate}` (CONTRACT §7.2): body (413) → whole-message validation
 * (400, nothing applied) → the node. Thin: the cluster logic lives in `core/replication/`.
 */
@ApiTags('replication')
@Controller(PEER_PREFIX)
export class ReplicationController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Post('replicate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Apply entries (apply-if-newer); hard for replication/hint/handoff, soft for repair/merkle/migration' })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: 'Per entry: applied or stale', schema: OBJECT })
  @ApiErrors(400, 401, 413)
  async replicate(@Req() req: FastifyRequest): Promise<{ results: ReplicateResult[] }> {
    const msg = this.parse('replicate', await this.body(req), (doc) => parseReplicateRequest(doc, this.core.config.maxValueBytes));
    const { node } = this.core;
    const mode = HARD_SOURCES.has(msg.source) ? 'hard' : 'soft';
    const results = msg.entries.map((entry): ReplicateResult => {
      node.hlc.observe(entry.version);
      if (node.store.apply(entry, mode, msg.source) !== 'applied') return 'stale';
      // A copy of a key this node does not own (views diverged) moves on at the next rebalance tick (§6.10).
      node.rebalancer.noteReceived(entry.key);
      return 'applied';
    });
    return { results };
  }

  @Post('read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Local entries of the keys (item with value, tombstone, or null)' })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: 'One entry or null per key', schema: OBJECT })
  @ApiErrors(400, 401, 413)
  async read(@Req() req: FastifyRequest): Promise<{ entries: (WireEntry | null)[] }> {
    const keys = this.parse('read', await this.body(req), parseReadRequest);
    const { store } = this.core.node;
    return { entries: keys.map((k) => store.peek(k)).map((e) => (e && (e.kind === 'item' || store.isLiveTombstone(e)) ? encodeEntry(e) : null)) };
  }

  @Post('coordinate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Coordinate a forwarded client write or delete; the answer is the data of the client answer' })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: 'Written: version, acks, n, owners, expires_at', schema: OBJECT })
  @ApiErrors(400, 401, 412, 413, 503)
  async coordinate(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Record<string, unknown>> {
    const msg = this.parse('coordinate', await this.body(req), (doc) => parseCoordinateRequest(doc, this.core.config.maxValueBytes));
    try {
      const out = await this.core.node.coordinateForwarded(msg);
      return { version: out.version, acks: out.acks, n: out.n, owners: out.owners, expires_at: out.expiresAt };
    } catch (err) {
      if (!(err instanceof CacheError) || err.code === 'INTERNAL') throw err;
      void reply.status(err.status);
      return { error: err.message, code: err.code, ...err.details };
    }
  }

  private body(req: FastifyRequest): Promise<Buffer> {
    return readPeerBody(req, this.core.config.maxValueBytes);
  }


  private parse<T>(op: string, body: Buffer, fn: (doc: unknown) => T): T {
    return parsePeerMessage(op, body, fn, WireError);
  }

}
