import { NODE_ID_PATTERN } from '../../config/patterns.js';
import type { MemberView } from '../events.js';

/**
 * Membership messages of the peer protocol (docs/peer-protocol.md §2: `ping`, `ping_req`, `gossip`, `join`).
 * Plain JSON-serialisable shapes; the dist transport carries them and checks inbound bodies with
 * `parseMembershipRequest` / `parseMembershipReply` before they reach the state machine.
 */
export type MemberRecord = MemberView;
export type MemberState = MemberView['State'];

export const MEMBER_STATES: readonly MemberState[] = ['alive', 'suspect', 'dead', 'leaving'];

/** Direct probe. `suspicion` is the sender's `suspect` record of the target, so the target refutes it in its reply. */
export interface PingRequest {
  op: 'ping';
  from: string;
  fromIncarnation: number;
  fromState: MemberState;
  suspicion?: MemberRecord;
}

export interface PingReply {
  op: 'ping';
  id: string;
  incarnation: number;
  state: MemberState;
}

/** Indirect probe: the relay pings `target` (at its own record's address, else at `address`). */
export interface PingReqRequest {
  op: 'ping_req';
  target: string;
  address: string;
}

export interface PingReqReply {
  op: 'ping_req';
  reachable: boolean;
}

export interface GossipRequest {
  op: 'gossip';
  members: MemberRecord[];
}

/** `id` names the responder, so a sender that dialled an address learns who answered. */
export interface GossipReply {
  op: 'gossip';
  id: string;
  members: MemberRecord[];
}

export interface JoinRequest {
  op: 'join';
  id: string;
  address: string;
  incarnation: number;
  /** The joiner's client API base URL; absent from nodes that do not advertise one. */
  apiUrl?: string;
}

/**
 * `id` names the responder (how a `host:port` seed tells its ID); `members` includes the joiner's
 * assigned incarnation. `claim` is the responder's record of the joiner from before the join when it
 * was `suspect`, `dead` or `leaving` at the claimed incarnation or above, so that the joiner learns
 * what was said about it and refutes it (the assigned record alone would hide it).
 */
export interface JoinReply {
  op: 'join';
  id: string;
  members: MemberRecord[];
  claim?: MemberRecord;
}

export type MembershipRequest = PingRequest | PingReqRequest | GossipRequest | JoinRequest;
export type MembershipReply = PingReply | PingReqReply | GossipReply | JoinReply;
export type MembershipOp = MembershipRequest['op'];

/** A membership body that fails validation (the transport answers 400 `BAD_REQUEST`, nothing applied). */
export class MessageError extends Error {
  override readonly name = 'MessageError';
}

/** Far above the 64-node design size; bounds the work one message can cause. */
export const MAX_MEMBERS_PER_MESSAGE = 4096;
const MAX_ADDRESS_LENGTH = 1024;
const API_URL = /^https?:\/\/[^\s/?#]+$/;

type Obj = Record<string, unknown>;

function object(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MessageError(`${what}: expected an object`);
  return v as Obj;
}

function nodeId(v: unknown, what: string): string {
  if (typeof v !== 'string' || !NODE_ID_PATTERN.test(v)) throw new MessageError(`${what}: invalid node ID`);
  return v;
}

function address(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length < 3 || v.length > MAX_ADDRESS_LENGTH || !v.includes(':')) {
    throw new MessageError(`${what}: invalid address`);
  }
  return v;
}

/** A client API base URL: `http(s)://host:port`, nothing after the authority. */
function apiUrl(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length > MAX_ADDRESS_LENGTH || !API_URL.test(v)) throw new MessageError(`${what}: invalid API URL`);
  return v;
}

function incarnation(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new MessageError(`${what}: invalid incarnation`);
  return v;
}

function state(v: unknown, what: string): MemberState {
  if (typeof v !== 'string' || !(MEMBER_STATES as readonly string[]).includes(v)) throw new MessageError(`${what}: invalid state`);
  return v as MemberState;
}

/** A record without `ApiURL` (from a node that advertises none) is accepted as it is. */
export function parseMemberRecord(v: unknown, what = 'member'): MemberRecord {
  const o = object(v, what);
  const rec: MemberRecord = {
    ID: nodeId(o.ID, `${what}.ID`),
    Address: address(o.Address, `${what}.Address`),
    State: state(o.State, `${what}.State`),
    Incarnation: incarnation(o.Incarnation, `${what}.Incarnation`),
  };
  if (o.ApiURL !== undefined) rec.ApiURL = apiUrl(o.ApiURL, `${what}.ApiURL`);
  return rec;
}

function memberList(v: unknown): MemberRecord[] {
  if (!Array.isArray(v)) throw new MessageError('members: expected an array');
  if (v.length > MAX_MEMBERS_PER_MESSAGE) throw new MessageError('members: too many records');
  const seen = new Set<string>();
  return v.map((m, i) => {
    const rec = parseMemberRecord(m, `members[${i}]`);
    if (seen.has(rec.ID)) throw new MessageError(`members[${i}]: duplicate ID`);
    seen.add(rec.ID);
    return rec;
  });
}

/** Validates an inbound request body; throws `MessageError`. */
export function parseMembershipRequest(body: unknown): MembershipRequest {
  const o = object(body, 'request');
  switch (o.op) {
    case 'ping': {
      const req: PingRequest = {
        op: 'ping',
        from: nodeId(o.from, 'from'),
        fromIncarnation: incarnation(o.fromIncarnation, 'fromIncarnation'),
        fromState: state(o.fromState, 'fromState'),
      };
      if (o.suspicion !== undefined) req.suspicion = parseMemberRecord(o.suspicion, 'suspicion');
      return req;
    }
    case 'ping_req':
      return { op: 'ping_req', target: nodeId(o.target, 'target'), address: address(o.address, 'address') };
    case 'gossip':
      return { op: 'gossip', members: memberList(o.members) };
    case 'join': {
      const req: JoinRequest = { op: 'join', id: nodeId(o.id, 'id'), address: address(o.address, 'address'), incarnation: incarnation(o.incarnation, 'incarnation') };
      if (o.apiUrl !== undefined) req.apiUrl = apiUrl(o.apiUrl, 'apiUrl');
      return req;
    }
    default:
      throw new MessageError('op: unknown membership operation');
  }
}

/** Validates a reply body to a request of `op`; throws `MessageError`. */
export function parseMembershipReply(op: MembershipOp, body: unknown): MembershipReply {
  const o = object(body, 'reply');
  if (o.op !== op) throw new MessageError(`op: expected ${op}`);
  switch (op) {
    case 'ping':
      return { op, id: nodeId(o.id, 'id'), incarnation: incarnation(o.incarnation, 'incarnation'), state: state(o.state, 'state') };
    case 'ping_req':
      if (typeof o.reachable !== 'boolean') throw new MessageError('reachable: expected a boolean');
      return { op, reachable: o.reachable };
    case 'gossip':
      return { op, id: nodeId(o.id, 'id'), members: memberList(o.members) };
    case 'join': {
      const reply: JoinReply = { op, id: nodeId(o.id, 'id'), members: memberList(o.members) };
      if (o.claim !== undefined) reply.claim = parseMemberRecord(o.claim, 'claim');
      return reply;
    }
  }
}
