import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CONFIG } from '../seams/tokens.js';
import type { HypercacheConfig } from '../config/config.types.js';
import { NODE_ID_PATTERN } from '../config/patterns.js';
import { parsePeerMessage, readPeerBody } from './peer-message.js';
import { CacheError } from '../core/errors.js';
import {
  MessageError, type MembershipOp, type MembershipReply, type MembershipRequest, parseMembershipRequest,
} from '../core/membership/messages.js';
import { MembershipDriver } from '../membership/membership-driver.js';
import { ApiMembershipOp } from './membership.openapi.js';
import { PEER_HEADERS, PEER_PREFIX } from './peer-protocol.js';


/**
 * `POST /peer/{ping,ping_req,gossip,join}` (docs/peer-protocol.md §2): body (413) → sender and message
 * validation (400, nothing applied) → the membership driver, whose answer is the reply.
 */
@Controller(PEER_PREFIX)
export class MembershipController {
  constructor(
    @Inject(CONFIG) private readonly config: HypercacheConfig,
    @Inject(MembershipDriver) private readonly membership: MembershipDriver,
  ) {}

  @Post('ping')
  @HttpCode(200)
  @ApiMembershipOp('ping')
  ping(@Req() req: FastifyRequest): Promise<MembershipReply> {
    return this.handle('ping', req);
  }

  @Post('ping_req')
  @HttpCode(200)
  @ApiMembershipOp('ping_req')
  pingReq(@Req() req: FastifyRequest): Promise<MembershipReply> {
    return this.handle('ping_req', req);
  }

  @Post('gossip')
  @HttpCode(200)
  @ApiMembershipOp('gossip')
  gossip(@Req() req: FastifyRequest): Promise<MembershipReply> {
    return this.handle('gossip', req);
  }

  @Post('join')
  @HttpCode(200)
  @ApiMembershipOp('join')
  join(@Req() req: FastifyRequest): Promise<MembershipReply> {
    return this.handle('join', req);
  }

  private async handle(op: MembershipOp, req: FastifyRequest): Promise<MembershipReply> {
    const body = await readPeerBody(req, this.config.maxValueBytes);
    const sender = req.headers[PEER_HEADERS.sender];
    if (typeof sender !== 'string' || !NODE_ID_PATTERN.test(sender)) {
      throw new CacheError('BAD_REQUEST', 'missing or invalid X-Hypercache-Node header');
    }
    return this.membership.receive(parseMessage(op, body), sender);
  }
}

function parseMessage(op: MembershipOp, body: Buffer): MembershipRequest {
  return parsePeerMessage(op, body, (doc) => {
    const msg = parseMembershipRequest(doc);
    if (msg.op !== op) throw new MessageError(`op: expected ${op}`);
    return msg;
  }, MessageError);
}
