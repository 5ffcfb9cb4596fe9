import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '../common/api-docs.js';
import type { FastifyRequest } from 'fastify';
import { CONFIG, NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { MemberListing } from '../core/key-listing/key-listing.js';
import { parseListKeysRequest } from '../core/key-listing/key-listing-wire.js';
import { WireError } from '../core/replication/wire.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { parsePeerMessage, readPeerBody } from './peer-message.js';
import { PEER_PREFIX } from './peer-protocol.js';

const OBJECT = { type: 'object' as const, additionalProperties: true };

/** `POST /peer/list_keys` (docs/api.md §1.12, docs/peer-protocol.md §2): this node's `max` smallest matching live keys. */
@ApiTags('key-listing')
@Controller(PEER_PREFIX)
export class KeyListingController {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi, @Inject(CONFIG) private readonly config: HypercacheConfig) {}

  @Post('list_keys')
  @HttpCode(200)
  @ApiOperation({ summary: "This node's max smallest matching live keys (UTF-8 byte order) and whether it had more" })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: '`{keys, more}`', schema: OBJECT })
  @ApiErrors(400, 401, 413)
  async listKeys(@Req() req: FastifyRequest): Promise<MemberListing> {
    const body = await readPeerBody(req, this.config.maxValueBytes);
    const msg = parsePeerMessage('list_keys', body, parseListKeysRequest, WireError);
    return this.node.listLocalKeys(msg.match, msg.max);
  }
}
