import { Controller, Get, Inject, Param } from '@nestjs/common';
import { RequireScope } from '../auth/auth.decorators.js';
import { NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import { ApiOwners } from './cache.openapi.js';
import { requireKey } from './key-param.js';

/** `GET /v1/owners/{key}` (docs/api.md §1.8): a pure ring lookup, also for keys never written. */
@Controller('v1/owners')
export class OwnersController {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi) {}

  @Get(':key')
  @RequireScope('read')
  @ApiOwners()
  owners(@Param('key') rawKey: string): { key: string; owners: string[]; node: string } {
    const key = requireKey(rawKey);
    return { key, owners: this.node.owners(key), node: this.node.nodeId };
  }
}
