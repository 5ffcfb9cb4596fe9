import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '../common/api-docs.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONFIG, NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { encodeMerkleResponse, parseMerkleRequest } from '../core/merkle/merkle-wire.js';
import { FRAME_CONTENT_TYPE } from '../core/replication/frame.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';
import { parsePeerFrame, readPeerBody } from './peer-message.js';
import { PEER_PREFIX } from './peer-protocol.js';
import { ApiFrames } from './peer-frame.openapi.js';

/**
 * `POST /peer/merkle` (docs/cluster.md §8.3, docs/peer-protocol.md §2), frames in and out (§3.1): body (413) → whole-message validation (400) → the
 * node's anti-entropy answer. Thin: the tree, scope and paging live in `core/merkle/`.
 */
@ApiTags('anti-entropy')
@Controller(PEER_PREFIX)
export class AntiEntropyController {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi, @Inject(CONFIG) private readonly config: HypercacheConfig) {}

  @Post('merkle')
  @HttpCode(200)
  @ApiOperation({ summary: 'Anti-entropy exchange over the entries co-owned with the sender: tree summary, leaf digests, or bucket entries (paged)' })
  @ApiFrames('`from`, `want` (summary, leaves or entries) and what is asked', 'Group digests (with `rebalancing: true` while the responder has not finished rebalancing for its current ring), leaf digests of the requested groups, or entries of the requested buckets with what remains')
  @ApiErrors(400, 401, 413)
  async merkle(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    const body = await readPeerBody(req, this.config.maxValueBytes);
    const msg = parsePeerFrame('merkle', body, (frame) => parseMerkleRequest(frame.header));
    const answer = encodeMerkleResponse(await this.node.answerMerkle(msg));
    void reply.header('content-type', FRAME_CONTENT_TYPE);
    return answer;
  }
}
