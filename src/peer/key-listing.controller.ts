import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import type { MemberListing } from '../core/keys/key-listing.js';
import { parseListKeysRequest } from '../core/keys/key-listing-wire.js';
import { WireError } from '../core/replication/wire.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { parsePeerMessage, readPeerBody } from './peer-message.js';
import { PEER_PREFIX } from './peer-protocol.js';
import { hypercache, type HypercacheConfigService } from '../config/config.namespace.js';
import type { HypercacheConfig } from '../config/config.types.js';

const OBJECT = { type: 'object' as const, additionalProperties: true };

/** `POST /peer/list_keys` (CONTRACT §4.10, §7.2): this node's `max` smallest matching live keys. */
@ApiTags('key-listing')
@Controller(PEER_PREFIX)
export class KeyListingController {
  private readonly config: HypercacheConfig;

  constructor(@Inject(CORE) private readonly core: Core, @Inject(ConfigService) configService: HypercacheConfigService) {
    this.config = hypercache(configService);
  }

  @Post('list_keys')
  @HttpCode(200)
  @ApiOperation({ summary: "This node's max smallest matching live keys (UTF-8 byte order) and whether it had more" })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: '`{keys, more}`', schema: OBJECT })
  @ApiErrors(400, 401, 413)
  async listKeys(@Req() req: FastifyRequest): Promise<MemberListing> {
    const body = await readPeerBody(req, this.config.maxValueBytes);
    const msg = parsePeerMessage('list_keys', body, parseListKeysRequest, WireError);
    return this.core.node.listLocalKeys(msg.match, msg.max);
  }
}
