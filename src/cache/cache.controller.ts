import { Controller, Delete, Get, Head, Headers, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/auth.decorators.js';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { readBody } from '../common/raw-body.js';
import { CacheError, Errors } from '../core/errors.js';
import type { Preconditions, WriteOutcome } from '../core/node.types.js';
import type { ItemEntry } from '../core/store/entry.js';
import { conditionMatches, etagOf, parseEtagCondition } from './conditional-headers.js';
import { parseConsistency } from './consistency-header.js';
import { type ItemEnvelope, itemFields, itemHeaders } from './item-view.js';
import { firstValue, requireKey } from './key-param.js';
import { ApiDeleteKey, ApiGetKey, ApiHeadKey, ApiPutKey } from './cache.openapi.js';
import { parseTtlParam } from './ttl-param.js';

export interface PutResponse {
  key: string;
  stored: true;
  ttl_ms?: number;
  expires_at?: string;
  bytes: number;
  version: number;
  node: string;
  owners: string[];
}

export interface DeleteResponse {
  key: string;
  deleted: true;
  version: number;
  node: string;
  owners: string[];
}

const OCTET_STREAM = 'application/octet-stream';

/** Single-key operations (CONTRACT §4.3–§4.7). The `{key}` segment arrives raw and is decoded here. */
@Controller('v1/cache')
export class CacheController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Put(':key')
  @RequireScope('write')
  @ApiPutKey()
  async put(
    @Param('key') rawKey: string,
    @Query('ttl') ttl: unknown,
    @Headers('x-consistency') consistency: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PutResponse> {
    const limit = this.core.config.maxValueBytes;
    // Body and size come before validation (CONTRACT §3.8).
    const value = await readBody(req, limit, () => Errors.tooLarge(limit));
    const key = requireKey(rawKey);
    const ttlMs = parseTtlParam(firstValue(ttl));
    const level = parseConsistency(consistency, this.core.config.writeConsistency);
    const preconditions = writePreconditions(ifMatch, ifNoneMatch, true);
    const out = await this.core.node.put({ key, value, ttlMs, consistency: level, preconditions });
    reply.header('etag', etagOf(out.version));
    ackHeader(reply, out);
    return {
      key,
      stored: true,
      ...(ttlMs > 0 && { ttl_ms: ttlMs, expires_at: new Date(out.expiresAt).toISOString() }),
      bytes: value.length,
      version: out.version,
      node: this.core.node.nodeId,
      owners: out.owners,
    };
  }

  // Declared before GET: Fastify derives a HEAD route from each GET and would refuse this one as a duplicate.
  @Head(':key')
  @RequireScope('read')
  @ApiHeadKey()
  async head(
    @Param('key') rawKey: string,
    @Headers('x-consistency') consistency: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | undefined> {
    const item = await this.lookup(rawKey, consistency, ifNoneMatch, reply);
    if (!item) return undefined;
    // Node writes no body for HEAD; the buffer only sets Content-Length to the value length.
    reply.type(OCTET_STREAM);
    return item.value;
  }

  @Get(':key')
  @RequireScope('read')
  @ApiGetKey()
  async get(
    @Param('key') rawKey: string,
    @Headers('accept') accept: string | undefined,
    @Headers('x-consistency') consistency: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | ItemEnvelope | undefined> {
    const item = await this.lookup(rawKey, consistency, ifNoneMatch, reply);
    if (!item) return undefined;
    if (accept !== undefined && /application\/json/i.test(accept)) {
      return { key: item.key, ...itemFields(item, this.core.clock.now()), node: this.core.node.nodeId, owners: this.core.node.owners(item.key) };
    }
    reply.type(OCTET_STREAM);
    return item.value;
  }

  @Delete(':key')
  @RequireScope('write')
  @ApiDeleteKey()
  async delete(
    @Param('key') rawKey: string,
    @Headers('x-consistency') consistency: string | undefined,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeleteResponse> {
    const key = requireKey(rawKey);
    const level = parseConsistency(consistency, this.core.config.writeConsistency);
    const preconditions = writePreconditions(ifMatch, ifNoneMatch, false);
    const out = await this.core.node.delete({ key, consistency: level, preconditions });
    ackHeader(reply, out);
    return { key, deleted: true, version: out.version, node: this.core.node.nodeId, owners: out.owners };
  }

  /**
   * GET/HEAD lookup: the visible item with its headers set, or undefined after answering 304
   * when If-None-Match matches it. Missing → 404.
   */
  private async lookup(
    rawKey: string,
    consistency: string | undefined,
    ifNoneMatch: string | undefined,
    reply: FastifyReply,
  ): Promise<ItemEntry | undefined> {
    const key = requireKey(rawKey);
    const level = parseConsistency(consistency, this.core.config.readConsistency);
    const condition = parseEtagCondition('If-None-Match', ifNoneMatch);
    const item = await this.core.node.get(key, level);
    if (!item) throw Errors.notFound();
    reply.headers(itemHeaders(item, this.core.node.owners(key), this.core.clock.now()));
    if (condition !== undefined && conditionMatches(condition, item.version)) {
      reply.status(304);
      return undefined;
    }
    return item;
  }
}

/** If-Match (list or `*`) and If-None-Match (`*` on PUT only; never on DELETE) → core preconditions. */
function writePreconditions(ifMatch: string | undefined, ifNoneMatch: string | undefined, isPut: boolean): Preconditions | undefined {
  const match = parseEtagCondition('If-Match', ifMatch);
  if (ifNoneMatch !== undefined && (!isPut || ifNoneMatch.trim() !== '*')) {
    throw new CacheError('BAD_REQUEST', 'invalid If-None-Match header');
  }
  if (match === undefined && ifNoneMatch === undefined) return undefined;
  return { ...(match !== undefined && { ifMatch: match }), ...(ifNoneMatch !== undefined && { ifNoneMatchAny: true }) };
}

function ackHeader(reply: FastifyReply, out: WriteOutcome): void {
  reply.header('x-cache-acks', `${out.acks}/${out.n}`);
}
