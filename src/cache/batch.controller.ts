import { Controller, Headers, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/auth.decorators.js';
import { CONFIG, NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { Consistency } from '../config/config.types.js';
import { readBody } from '../common/raw-body.js';
import { CacheError } from '../core/errors.js';
import { parseBatchBody } from './batch-body.js';
import { type BatchDeleteResult, type BatchGetResult, type BatchPutResult, BatchService } from './batch.service.js';
import { ApiBatchDelete, ApiBatchGet, ApiBatchPut } from './cache.openapi.js';
import { parseConsistency } from './consistency-header.js';

interface BatchResponse<T> {
  results: T[];
  node: string;
}

/** `POST /v1/cache/batch/{get,put,delete}` (docs/api.md §1.11). */
@Controller('v1/cache/batch')
export class BatchController {
  constructor(
    @Inject(NODE) private readonly node: CacheNodeApi, @Inject(CONFIG) private readonly config: HypercacheConfig,
    private readonly batch: BatchService,
  ) {}

  @Post('get')
  @HttpCode(200)
  @RequireScope('read')
  @ApiBatchGet()
  async get(@Req() req: FastifyRequest, @Headers('x-consistency') consistency: string | undefined): Promise<BatchResponse<BatchGetResult>> {
    const { elements, level } = await this.accept(req, 'keys', consistency, this.config.readConsistency);
    return this.respond(await this.batch.get(elements, level));
  }

  @Post('put')
  @HttpCode(200)
  @RequireScope('write')
  @ApiBatchPut()
  async put(@Req() req: FastifyRequest, @Headers('x-consistency') consistency: string | undefined): Promise<BatchResponse<BatchPutResult>> {
    const { elements, level } = await this.accept(req, 'items', consistency, this.config.writeConsistency);
    return this.respond(await this.batch.put(elements, level));
  }

  @Post('delete')
  @HttpCode(200)
  @RequireScope('write')
  @ApiBatchDelete()
  async delete(@Req() req: FastifyRequest, @Headers('x-consistency') consistency: string | undefined): Promise<BatchResponse<BatchDeleteResult>> {
    const { elements, level } = await this.accept(req, 'keys', consistency, this.config.writeConsistency);
    return this.respond(await this.batch.delete(elements, level));
  }

  /** Body (413) before validation (400), as docs/auth.md §7 orders them. */
  private async accept(
    req: FastifyRequest,
    field: 'keys' | 'items',
    consistency: string | undefined,
    fallback: Consistency,
  ): Promise<{ elements: unknown[]; level: Consistency }> {
    const limit = 4 * this.config.maxValueBytes;
    const body = await readBody(req, limit, () => new CacheError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`));
    const level = parseConsistency(consistency, fallback);
    return { elements: await parseBatchBody(body, field), level };
  }

  private respond<T>(results: T[]): BatchResponse<T> {
    return { results, node: this.node.nodeId };
  }
}
