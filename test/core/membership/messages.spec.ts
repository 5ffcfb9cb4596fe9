import { describe, expect, it } from 'vitest';
import {
  MAX_MEMBERS_PER_MESSAGE, MessageError, type MembershipReply, type MembershipRequest, parseMembershipReply, parseMembershipRequest,
} from '../../../src/core/membership/messages.js';

const member = { ID: 'node-1', Address: 'hypercache-1:7946', State: 'alive', Incarnation: 1 } as const;

describe('membership messages (docs/peer-protocol.md §2)', () => {
  const requests: MembershipRequest[] = [
    { op: 'ping', from: 'node-1', fromIncarnation: 3, fromState: 'alive' },
    { op: 'ping', from: 'node-1', fromIncarnation: 3, fromState: 'leaving', suspicion: { ...member, ID: 'node-2', State: 'suspect' } },
    { op: 'ping_req', target: 'node-2', address: '10.0.0.2:7946' },
    { op: 'gossip', members: [member, { ...member, ID: 'node-2', State: 'dead', Incarnation: 4 }] },
    { op: 'join', id: 'node-3', address: '[::1]:7946', incarnation: 1 },
  ];

  it.each(requests)('request %o survives a JSON round trip', (req) => {
    expect(parseMembershipRequest(JSON.parse(JSON.stringify(req)))).toEqual(req);
  });

  const replies: MembershipReply[] = [
    { op: 'ping', id: 'node-1', incarnation: 2, state: 'alive' },
    { op: 'ping_req', reachable: false },
    { op: 'gossip', id: 'node-1', members: [member] },
    { op: 'join', id: 'node-1', members: [] },
    { op: 'join', id: 'node-1', members: [member], claim: { ...member, State: 'dead' } },
  ];

  it.each(replies)('reply %o survives a JSON round trip', (reply) => {
    expect(parseMembershipReply(reply.op, JSON.parse(JSON.stringify(reply)))).toEqual(reply);
  });

  it.each([
    ['not an object', 'ping'],
    ['unknown op', { op: 'coordinate' }],
    ['bad sender ID', { op: 'ping', from: '-x', fromIncarnation: 1, fromState: 'alive' }],
    ['negative incarnation', { op: 'ping', from: 'a', fromIncarnation: -1, fromState: 'alive' }],
    ['fractional incarnation', { op: 'join', id: 'a', address: 'a:1', incarnation: 1.5 }],
    ['unsafe incarnation', { op: 'join', id: 'a', address: 'a:1', incarnation: 2 ** 53 }],
    ['unknown state', { op: 'ping', from: 'a', fromIncarnation: 1, fromState: 'zombie' }],
    ['address without port', { op: 'join', id: 'a', address: 'host', incarnation: 1 }],
    ['members not a list', { op: 'gossip', members: {} }],
    ['bad member', { op: 'gossip', members: [{ ...member, State: 'gone' }] }],
    ['duplicate IDs', { op: 'gossip', members: [member, member] }],
    ['too many members', { op: 'gossip', members: Array.from({ length: MAX_MEMBERS_PER_MESSAGE + 1 }, (_, i) => ({ ...member, ID: `n${i}` })) }],
    ['bad suspicion', { op: 'ping', from: 'a', fromIncarnation: 1, fromState: 'alive', suspicion: { ID: 'b' } }],
  ])('rejects a request with %s', (_, body) => {
    expect(() => parseMembershipRequest(body)).toThrow(MessageError);
  });

  it('rejects replies of another op or with missing fields', () => {
    expect(() => parseMembershipReply('ping', { op: 'gossip', id: 'a', members: [] })).toThrow(MessageError);
    expect(() => parseMembershipReply('ping_req', { op: 'ping_req', reachable: 'yes' })).toThrow(MessageError);
    expect(() => parseMembershipReply('join', { op: 'join', members: [] })).toThrow(MessageError);
    expect(() => parseMembershipReply('join', { op: 'join', id: 'a', members: [], claim: { ID: 'b' } })).toThrow(MessageError);
  });

  it('drops unknown fields', () => {
    expect(parseMembershipRequest({ op: 'ping_req', target: 'b', address: 'b:1', extra: 1 })).toEqual({ op: 'ping_req', target: 'b', address: 'b:1' });
  });
});
