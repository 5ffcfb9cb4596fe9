import { Controller, HttpCode, Inject, Post, UseInterceptors } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '../common/api-docs.js';
import { RequireScope } from '../auth/auth.decorators.js';
import { LOGGER, NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { Logger } from 'pino';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { IgnoredBodyInterceptor } from './ignored-body.interceptor.js';

/** Admin actions (docs/api.md §2.8). */
@ApiTags('admin')
@Controller()
@UseInterceptors(IgnoredBodyInterceptor)
@ApiErrors(413)
export class AdminActionsController {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi, @Inject(LOGGER) private readonly logger: Logger) {}

  @Post('dist/drain')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Enter draining (one-way, idempotent)' })
  @ApiOkResponse({ description: '{"draining":true}' })
  drain(): { draining: true } {
    if (this.node.drain()) this.logger.info('node draining');
    return { draining: true };
  }

  @Post('evict')
  @HttpCode(202)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Schedule one eviction pass (coalesced)' })
  @ApiAcceptedResponse({ description: '{"accepted":true,"action":"evict"}' })
  evict(): { accepted: true; action: 'evict' } {
    void this.node.scheduleEviction();
    return { accepted: true, action: 'evict' };
  }

  @Post('trigger-expiration')
  @HttpCode(202)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Schedule one full expiry sweep (coalesced)' })
  @ApiAcceptedResponse({ description: '{"accepted":true,"action":"expire"}' })
  triggerExpiration(): { accepted: true; action: 'expire' } {
    this.node.scheduleExpiration();
    return { accepted: true, action: 'expire' };
  }

  @Post('clear')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Remove every local item (tombstones and hints stay)' })
  @ApiOkResponse({ description: '{"cleared": n, "node": id}' })
  clear(): { cleared: number; node: string } {
    return { cleared: this.node.clear(), node: this.node.nodeId };
  }
}
