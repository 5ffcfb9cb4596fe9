import { applyDecorators } from '@nestjs/common';
import type { SchemaObject } from '@nestjs/swagger';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '../common/api-docs.js';
import { MEMBER_STATES, type MembershipOp } from '../core/membership/messages.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';

/**
 * OpenAPI declarations of the membership operations (docs/peer-protocol.md §2). The shapes are those of
 * `core/membership/messages.ts`, which validates them on both sides of the wire.
 */
const str: SchemaObject = { type: 'string' };
const incarnation: SchemaObject = { type: 'integer', minimum: 0 };
const state: SchemaObject = { type: 'string', enum: [...MEMBER_STATES] };
const nodeId: SchemaObject = { type: 'string', description: 'A node ID' };
const address: SchemaObject = { type: 'string', description: 'An advertised dist address, `host:port`' };

const apiUrl: SchemaObject = {
  type: 'string',
  description: 'The member\'s client API base URL, `http(s)://host:port`; absent from nodes that advertise none (docs/cluster.md §2.2)',
};

const MEMBER: SchemaObject = {
  type: 'object',
  required: ['ID', 'Address', 'State', 'Incarnation'],
  properties: { ID: nodeId, Address: address, State: state, Incarnation: incarnation, ApiURL: apiUrl },
};
const MEMBERS: SchemaObject = { type: 'array', items: MEMBER, description: 'Every retained record, unique IDs' };
const opField = (op: MembershipOp): SchemaObject => ({ type: 'string', enum: [op] });

const SHAPES: Record<MembershipOp, { summary: string; request: SchemaObject; reply: SchemaObject }> = {
  ping: {
    summary: 'Direct probe; the reply is the responder\'s own record (a refutation shows as a higher incarnation)',
    request: {
      type: 'object',
      required: ['op', 'from', 'fromIncarnation', 'fromState'],
      properties: {
        op: opField('ping'), from: nodeId, fromIncarnation: incarnation, fromState: state,
        suspicion: { ...MEMBER, description: 'The sender\'s `suspect` record of the target, so that it refutes it' },
      },
    },
    reply: {
      type: 'object',
      required: ['op', 'id', 'incarnation', 'state'],
      properties: { op: opField('ping'), id: nodeId, incarnation, state },
    },
  },
  ping_req: {
    summary: 'Indirect probe: the relay pings the target (answered once that ping has finished)',
    request: {
      type: 'object',
      required: ['op', 'target', 'address'],
      properties: { op: opField('ping_req'), target: nodeId, address: { ...address, description: 'Used when the relay has no record of the target' } },
    },
    reply: { type: 'object', required: ['op', 'reachable'], properties: { op: opField('ping_req'), reachable: { type: 'boolean' } } },
  },
  gossip: {
    summary: 'Push-pull of the membership list (also carries a graceful leave and refutations)',
    request: { type: 'object', required: ['op', 'members'], properties: { op: opField('gossip'), members: MEMBERS } },
    reply: { type: 'object', required: ['op', 'id', 'members'], properties: { op: opField('gossip'), id: nodeId, members: MEMBERS } },
  },
  join: {
    summary: 'Bootstrap or rejoin; the reply lists the joiner with the incarnation assigned to it',
    request: {
      type: 'object',
      required: ['op', 'id', 'address', 'incarnation'],
      properties: { op: opField('join'), id: nodeId, address, incarnation, apiUrl },
    },
    reply: {
      type: 'object',
      required: ['op', 'id', 'members'],
      properties: {
        op: opField('join'), id: nodeId, members: MEMBERS,
        claim: { ...MEMBER, description: 'The responder\'s `suspect`/`dead`/`leaving` record of the joiner from before the join (at the claimed incarnation or above), so that the joiner refutes it' },
      },
    },
  },
};

export const ApiMembershipOp = (op: MembershipOp) =>
  applyDecorators(
    ApiTags('peer'),
    ApiOperation({ summary: SHAPES[op].summary }),
    ApiHeader({ name: 'X-Hypercache-Node', required: true, description: 'The sender\'s node ID', schema: str }),
    ApiHeader({ name: 'X-Hypercache-Protocol', required: false, description: 'Peer protocol version; another major version is refused', schema: str }),
    ApiBody({ required: true, schema: SHAPES[op].request }),
    ApiOkResponse({ description: `The ${op} reply`, content: { 'application/json': { schema: SHAPES[op].reply } } }),
    ApiErrors(400, 413),
  );
