import { describe, expect, it } from 'vitest';
import { CacheError, Errors } from '../../../src/core/errors.js';
import { coordinateAnswer, encodeCoordinateBatch, parseCoordinateBatchReply, parseCoordinateMessage } from '../../../src/core/replication/coordinate-batch-wire.js';
import { FrameWriter, readFrame } from '../../../src/core/replication/frame.js';
import { type CoordinateRequest, WireError } from '../../../src/core/replication/wire.js';
import { frame } from '../../support/peer-frame.js';

const put: CoordinateRequest = { op: 'put', key: 'a', value: Buffer.from([0, 255]), ttlMs: 5, consistency: 'quorum', preconditions: { ifMatch: [7] } };
const del: CoordinateRequest = { op: 'delete', key: 'b', ttlMs: 0, consistency: 'one' };

describe('coordinate with several operations (docs/peer-protocol.md §2.1)', () => {
  it('round-trips the operations through a frame, values in ops order; a message without ops is the single operation', () => {
    const put2: CoordinateRequest = { op: 'put', key: 'c', value: Buffer.from('second'), ttlMs: 0, consistency: 'one' };
    const w = new FrameWriter();
    const r = readFrame(w.finish(encodeCoordinateBatch([put, del, put2], w)));
    expect(parseCoordinateMessage(r, 1024)).toEqual({ batch: true, reqs: [put, del, put2] });
    r.end();
    expect(parseCoordinateMessage(readFrame(frame({ op: 'delete', key: 'b', consistency: 'one' })), 1024)).toEqual({ batch: false, req: del });
  });

  it('rejects the whole message for one invalid operation, naming it', () => {
    const doc = { ops: [{ op: 'delete', key: 'b', consistency: 'one' }, { op: 'put', key: 'a', value_len: 3, consistency: 'one' }] };
    expect(() => parseCoordinateMessage(readFrame(frame(doc, Buffer.from('abc'))), 2)).toThrow(new WireError('ops[1].value_len: value exceeds 2 bytes'));
    expect(() => parseCoordinateMessage(readFrame(frame({ ops: 'x' })), 2)).toThrow(WireError);
  });

  it('answers each result as a single call would: the outcome, or the error status and details; INTERNAL is left to the caller', () => {
    expect(coordinateAnswer({ version: 9, acks: 2, n: 3, owners: ['n1'], expiresAt: 0 })).toEqual({ status: 200, body: { version: 9, acks: 2, n: 3, owners: ['n1'], expires_at: 0 } });
    expect(coordinateAnswer(Errors.preconditionFailed(4))).toEqual({ status: 412, body: { error: 'precondition failed', code: 'PRECONDITION_FAILED', version: 4 } });
    expect(coordinateAnswer(new CacheError('INTERNAL', 'boom'))).toBeUndefined();
    expect(coordinateAnswer(new Error('bug'))).toBeUndefined();
  });

  it('parses the reply per operation and refuses a reply of the wrong length or without a status', () => {
    const reply = { results: [{ status: 200, version: 9, acks: 2, n: 3, owners: ['n1'], expires_at: 0 }, { status: 503, error: 'node is draining', code: 'DRAINING' }] };
    expect(parseCoordinateBatchReply(reply, 2)).toEqual([
      { ok: true, version: 9, acks: 2, n: 3, owners: ['n1'], expiresAt: 0 },
      { ok: false, status: 503, code: 'DRAINING', error: 'node is draining' },
    ]);
    expect(() => parseCoordinateBatchReply(reply, 3)).toThrow(WireError);
    expect(() => parseCoordinateBatchReply({ results: [{ version: 1 }] }, 1)).toThrow(WireError);
  });
});
