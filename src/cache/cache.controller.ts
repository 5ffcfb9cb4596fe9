import { Controller, Delete, Get, Head, Headers, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/auth.decorators.js';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { readBody } from '../common/raw-body.js';
import { Errors } from '../core/errors.js';
import { ApiDeleteKey, ApiGetKey, ApiHeadKey, ApiPutKey } from './cache.openapi.js';
import { CacheOps, type DeleteResponse, type KeyRequestHeaders, type PutResponse } from './cache-ops.js';
import type { ItemEnvelope } from './item-view.js';
import { firstValue } from './key-param.js';
import { hypercache, type HypercacheConfigService } from '../config/config.namespace.js';
import type { HypercacheConfig } from '../config/config.types.js';

export type { DeleteResponse, PutResponse } from './cache-ops.js';

/**
 * Single-key operations (CONTRACT §4.3–§4.7). The `{key}` segment arrives raw and is decoded by
 * `CacheOps`, which the client fast path (client-fast-path.ts) calls too: this controller answers
 * the requests that path leaves to Nest (OIDC bearers, refused credentials) and declares the
 * routes, their scope policy and their OpenAPI operations.
 */
@Controller('v1/cache')
export class CacheController {
  private readonly ops: CacheOps;

  private readonly config: HypercacheConfig;

  constructor(@Inject(CORE) private readonly core: Core, @Inject(ConfigService) configService: HypercacheConfigService) {
    this.config = hypercache(configService);
    this.ops = new CacheOps(core);
  }

  @Put(':key')
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
    // Body and size come before validation (CONTRACT §3.8).
    const value = await readBody(req, limit, () => Errors.tooLarge(limit));
    return this.ops.put(rawKey, value, firstValue(ttl), headers, reply);
  }

  // Declared before GET: Fastify derives a HEAD route from each GET and would refuse this one as a duplicate.
  @Head(':key')
  @RequireScope('read')
  @ApiHeadKey()
  head(@Param('key') rawKey: string, @Headers() headers: KeyRequestHeaders, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer | undefined> {
    return this.ops.head(rawKey, headers, reply);
  }

  @Get(':key')
  @RequireScope('read')
  @ApiGetKey()
  get(
    @Param('key') rawKey: string,
    @Headers() headers: KeyRequestHeaders,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | ItemEnvelope | undefined> {
    return this.ops.get(rawKey, headers, reply);
  }

  @Delete(':key')
  @RequireScope('write')
  @ApiDeleteKey()
  delete(@Param('key') rawKey: string, @Headers() headers: KeyRequestHeaders, @Res({ passthrough: true }) reply: FastifyReply): Promise<DeleteResponse> {
    return this.ops.delete(rawKey, headers, reply);
  }
}
