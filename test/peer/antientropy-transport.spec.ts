import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { MerkleRequest } from '../../src/core/merkle/merkle-wire.js';
import { encodeMerkleResponse } from '../../src/core/merkle/merkle-wire.js';
import { TransportError } from '../../src/core/replication/transport.js';
import { PeerAntiEntropyTransport } from '../../src/peer/antientropy-transport.js';
import type { PeerCall, PeerClient, PeerReply } from '../../src/peer/peer-client.js';
import { item } from '../core/store/fixtures.js';
import { frame, unframe } from '../support/peer-frame.js';

const peer = { id: 'node-2', address: 'node-2:7946' };
const request: MerkleRequest = { from: 'node-1', want: 'entries', buckets: [{ bucket: 7 }] };

/** A PeerClient stand-in: records calls and answers with a canned reply or error. */
function client(answer: () => Promise<PeerReply>): { client: PeerClient; calls: { address: string; call: PeerCall }[] } {
  const calls: { address: string; call: PeerCall }[] = [];
  return { calls, client: { call: (address: string, call: PeerCall) => (calls.push({ address, call }), answer()) } as unknown as PeerClient };
}
const reply = (status: number, body: unknown): Promise<PeerReply> =>
  Promise.resolve({ status, headers: {}, body: Buffer.isBuffer(body) ? body : status === 200 ? frame(body) : Buffer.from(JSON.stringify(body)) });
const transport = (c: PeerClient) => new PeerAntiEntropyTransport(c, 1024, pino({ level: 'silent' }));

describe('PeerAntiEntropyTransport', () => {
  it('POSTs the request frame to /peer/merkle within the timeout and returns the validated reply', async () => {
    const entries = [item('a', Buffer.from([0, 1, 2]), 5, 'node-2')];
    const fake = client(() => reply(200, encodeMerkleResponse({ want: 'entries', entries, remaining: [] })));
    const res = await transport(fake.client).merkle(peer, request, 10_000);
    expect(res).toEqual({ want: 'entries', entries, remaining: [] });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.address).toBe('node-2:7946');
    expect(fake.calls[0]!.call).toMatchObject({ method: 'POST', path: '/peer/merkle', contentType: 'application/vnd.hypercache.frame', timeoutMs: 10_000 });
    expect(unframe(fake.calls[0]!.call.body as Buffer)).toEqual({ header: { from: 'node-1', want: 'entries', buckets: [{ bucket: 7 }] }, values: [] });
  });

  it.each<[string, () => Promise<PeerReply>, 'not-sent' | 'unknown']>([
    ['a refused connection', () => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), 'not-sent'],
    ['a timeout', () => Promise.reject(Object.assign(new Error('timeout'), { name: 'HeadersTimeoutError' })), 'unknown'],
    ['401', () => reply(401, { error: 'unauthorized', code: 'UNAUTHORIZED' }), 'not-sent'],
    ['400', () => reply(400, { error: 'bad', code: 'BAD_REQUEST' }), 'unknown'],
    ['a reply to another step', () => reply(200, { want: 'summary', groups: [] }), 'unknown'],
    ['a value over MAX_VALUE_BYTES', () => reply(200, frame({ want: 'entries', entries: [{ kind: 'item', key: 'a', version: 1, origin: 'node-2', updated_at: 0, expires_at: 0, value_len: 1025 }], remaining: [] }, Buffer.alloc(1025))), 'unknown'],
    ['a JSON answer (protocol 1)', () => Promise.resolve({ status: 200, headers: {}, body: Buffer.from('{"want":"entries","entries":[],"remaining":[]}') }), 'unknown'],
    ['tail bytes no entry claims', () => reply(200, frame({ want: 'entries', entries: [], remaining: [] }, Buffer.from('x'))), 'unknown'],
  ])('turns %s into a TransportError', async (_name, answer, phase) => {
    const err = await transport(client(answer).client).merkle(peer, request, 10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).phase).toBe(phase);
  });
});
