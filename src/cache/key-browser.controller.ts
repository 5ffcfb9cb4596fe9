import { Controller, Get, Inject, Query, UsePipes } from '@nestjs/common';
import { RequireScope } from '../auth/auth.decorators.js';
import { NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import { ApiListKeys } from './cache.openapi.js';
import { dtoValidation } from '../common/dto-validation.pipe.js';
import { BrowseQueryDto, pageOf, parseBrowseQuery } from './key-browser-query.js';

export interface ListKeysResponse {
  keys: string[];
  next_cursor: string;
  total_matched: number;
  truncated: boolean;
  node: string;
  partial_nodes?: string[];
}

/** `GET /v1/cache/keys` (docs/api.md §1.12): every request runs the whole fan-out again. */
@Controller('v1/cache')
export class KeyBrowserController {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi) {}

  @Get('keys')
  @RequireScope('read')
  @ApiListKeys()
  @UsePipes(dtoValidation)
  async list(@Query() query: BrowseQueryDto): Promise<ListKeysResponse> {
    const { pattern, match, cursor, limit, max } = parseBrowseQuery(query);
    const result = await this.node.listKeys({ pattern, match, max });
    return {
      ...pageOf(result.keys, cursor, limit),
      total_matched: result.keys.length,
      truncated: result.truncated,
      node: this.node.nodeId,
      ...(result.partialNodes.length > 0 && { partial_nodes: result.partialNodes }),
    };
  }
}
