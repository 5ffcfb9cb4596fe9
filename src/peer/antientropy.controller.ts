import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CONFIG, NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { encodeMerkleResponse, parseMerkleRequest } from '../core/merkle/merkle-wire.js';
import { WireError } from '../core/replication/wire.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { parsePeerMessage, readPeerBody } from './peer-message.js';
import { PEER_PREFIX } from './peer-protocol.js';

const OBJECT = { type: 'object' as const, additionalProperties: true };

/**
 * `POST /peer/merkle` (docs/cluster.md §8.3, docs/peer-protocol.md §2): body (413) → whole-message validation (400) → the
 * node's anti-entropy answer. Thin: the tree, scope and paging live in `core/merkle/`.
 */
@ApiTags('anti-entropy')
@Controller(PEER_PREFIX)
export class AntiEntropyController {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi, @Inject(CONFIG) private readonly config: HypercacheConfig) {}

  @Post('merkle')
  @HttpCode(200)
  @ApiOperation({ summary: 'Anti-entropy exchange over the entries co-owned with the sender: tree summary, leaf digests, or bucket entries (paged)' })
  @ApiBody({ schema: OBJECT })
  @ApiOkResponse({ description: 'Group digests, leaf digests of the requested groups, or entries of the requested buckets with what remains', schema: OBJECT })
  @ApiErrors(400, 401, 413)
  async merkle(@Req() req: FastifyRequest): Promise<Record<string, unknown>> {
    const body = await readPeerBody(req, this.config.maxValueBytes);
    const msg = parsePeerMessage('merkle', body, parseMerkleRequest, WireError);
    return encodeMerkleResponse(await this.node.answerMerkle(msg));
  }
}
