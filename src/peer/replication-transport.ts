import type { Logger } from 'pino';
import type { Entry } from '../core/store/entry.js';
import { FrameWriter, encodeFrame, readFrame } from '../core/replication/frame.js';
import { type PeerRef, type ReplicationTransport, TransportError } from '../core/replication/transport.js';
import {
  type CoordinateReply, type CoordinateRequest, type ReplicateResult, type ReplicateSource,
  encodeCoordinate, encodeEntry, parseCoordinateReply, parseReadReply, parseReplicateReply,
} from '../core/replication/wire.js';
import type { PeerClient } from './peer-client.js';
import { parseFrameReply, postFrame } from './peer-frame-call.js';
import { REPLICATION_PATHS } from './peer-protocol.js';

/** The replication port over the peer client: frames both ways (docs/peer-protocol.md §3.1), replies validated before the core sees them. */
export class PeerReplicationTransport implements ReplicationTransport {
  constructor(
    private readonly client: PeerClient,
    private readonly maxValueBytes: number,
    private readonly logger: Logger,
  ) {}

  async replicate(peer: PeerRef, source: ReplicateSource, entries: Entry[], timeoutMs: number): Promise<ReplicateResult[]> {
    const frame = new FrameWriter();
    const body = frame.finish({ source, entries: entries.map((e) => encodeEntry(e, frame)) });
    const res = await postFrame(this.client, this.logger, peer, REPLICATION_PATHS.replicate, body, timeoutMs);
    return parseFrameReply('replicate', peer, res, (reply) => parseReplicateReply(reply.header, entries.length));
  }

  async read(peer: PeerRef, keys: string[], timeoutMs: number): Promise<(Entry | undefined)[]> {
    const res = await postFrame(this.client, this.logger, peer, REPLICATION_PATHS.read, encodeFrame({ keys }), timeoutMs);
    return parseFrameReply('read', peer, res, (reply) => parseReadReply(reply, keys.length, this.maxValueBytes));
  }

  /** A 200 answer is a frame; any other status carries the JSON envelope of the refused write (docs/peer-protocol.md §3.1). */
  async coordinate(peer: PeerRef, req: CoordinateRequest, timeoutMs: number): Promise<CoordinateReply> {
    const frame = new FrameWriter();
    const body = frame.finish(encodeCoordinate(req, frame));
    const res = await postFrame(this.client, this.logger, peer, REPLICATION_PATHS.coordinate, body, timeoutMs);
    try {
      if (res.status !== 200) return parseCoordinateReply(res.status, JSON.parse(res.body.toString('utf8')));
      const reply = readFrame(res.body);
      reply.end();
      return parseCoordinateReply(200, reply.header);
    } catch (err) {
      this.logger.debug({ peer: peer.id, op: 'coordinate', status: res.status, error: String(err) }, 'invalid peer reply');
      throw new TransportError('unknown', `invalid coordinate reply (status ${res.status})`);
    }
  }
}
