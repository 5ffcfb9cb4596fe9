import { Controller, Delete, Get, Head, Headers, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HotRoute, RequireScope } from '../auth/auth.decorators.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { Clock } from '../core/time/clock.js';
import { CLOCK, CONFIG, NODE } from '../seams/tokens.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { readBody } from '../common/raw-body.js';
import { Errors } from '../core/errors.js';
import { ApiDeleteKey, ApiGetKey, ApiHeadKey, ApiPutKey } from './cache.openapi.js';
import { CacheOps, type DeleteResponse, type KeyRequestHeaders, type PutResponse } from './cache-ops.js';
import type { ItemEnvelope } from './item-view.js';
import { firstValue } from './key-param.js';

export type { DeleteResponse, PutResponse } from './cache-ops.js';

/**
 * Single-key operations (docs/api.md §1.3–§1.9). The `{key}` segment arrives raw and is decoded by
 * `CacheOps`. The routes are `@HotRoute()`s: the client fast path (client-fast-path.ts) answers
 * what the guard admits synchronously with the same `CacheOps`; this controller answers the
 * requests that path leaves to Nest (OIDC bearers, refused credentials) and declares the routes,
 * their scope policy and their OpenAPI operations.
 */
@Controller('v1/cache')
export class CacheController {
  private readonly ops: CacheOps;

  constructor(
    @Inject(NODE) node: CacheNodeApi,
    @Inject(CONFIG) private readonly config: HypercacheConfig,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.ops = new CacheOps({ node, config, clock });
  }

  @Put(':key')
  @HotRoute()
  @RequireScope('write')
  @ApiPutKey()
  async put(
    @Param('key') rawKey: string,
    @Query('ttl') ttl: unknown,
    @Headers() headers: KeyRequestHeaders,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PutResponse> {
    const limit = this.config.maxValueBytes;
    // Body and size come before validation (docs/auth.md §7).
    const value = await readBody(req, limit, () => Errors.tooLarge(limit));
    return this.ops.put(rawKey, value, firstValue(ttl), headers, reply);
  }

  // Declared before GET: Fastify derives a HEAD route from each GET and would refuse this one as a duplicate.
  @Head(':key')
  @HotRoute()
  @RequireScope('read')
  @ApiHeadKey()
  async head(@Param('key') rawKey: string, @Headers() headers: KeyRequestHeaders, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer | undefined> {
    return this.ops.head(rawKey, headers, reply);
  }

  @Get(':key')
  @HotRoute()
  @RequireScope('read')
  @ApiGetKey()
  async get(
    @Param('key') rawKey: string,
    @Headers() headers: KeyRequestHeaders,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | ItemEnvelope | undefined> {
    return this.ops.get(rawKey, headers, reply);
  }

  @Delete(':key')
  @HotRoute()
  @RequireScope('write')
  @ApiDeleteKey()
  async delete(@Param('key') rawKey: string, @Headers() headers: KeyRequestHeaders, @Res({ passthrough: true }) reply: FastifyReply): Promise<DeleteResponse> {
    return this.ops.delete(rawKey, headers, reply);
  }
}
