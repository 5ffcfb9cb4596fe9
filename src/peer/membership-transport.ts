import type { Logger } from 'pino';
import { MessageError, type MembershipReply, type MembershipRequest, parseMembershipReply } from '../core/membership/messages.js';
import type { MembershipTransport } from '../membership/membership-driver.js';
import type { PeerClient } from './peer-client.js';
import { MEMBERSHIP_PATHS } from './peer-protocol.js';

/**
 * Membership messages over the peer client: `POST /peer/<op>` with the message as JSON, the reply
 * validated before the state machine sees it. Every failure is a null reply (the machine counts it);
 * an unreachable or silent peer is routine, so those are debug lines, but a peer that refuses our
 * credentials is a configuration error and is logged once per address.
 */
export class PeerMembershipTransport implements MembershipTransport {
  private readonly refusedBy = new Set<string>();

  constructor(
    private readonly client: PeerClient,
    private readonly logger: Logger,
  ) {}

  async send(address: string, msg: MembershipRequest, timeoutMs: number): Promise<MembershipReply | null> {
    try {
      const res = await this.client.call(address, {
        method: 'POST',
        path: MEMBERSHIP_PATHS[msg.op],
        body: JSON.stringify(msg),
        contentType: 'application/json',
        timeoutMs,
      });
      if (res.status === 200) return parseMembershipReply(msg.op, JSON.parse(res.body.toString('utf8')));
      if (res.status === 401 && !this.refusedBy.has(address)) {
        this.refusedBy.add(address);
        this.logger.warn({ peer: address }, 'peer refused our credentials; check the peer token, and our certificate names against its allowlist');
      }
      this.logger.debug({ peer: address, op: msg.op, status: res.status }, 'peer call failed');
    } catch (err) {
      this.logger.debug({ peer: address, op: msg.op, error: describe(err) }, 'peer call failed');
    }
    return null;
  }
}

function describe(err: unknown): string {
  if (err instanceof MessageError || err instanceof SyntaxError) return `invalid reply: ${err.message}`;
  const e = err as { name?: string; code?: string; message?: string };
  return e.code ?? e.name ?? String(err);
}
