import type { Logger } from 'pino';
import type { Entry } from '../core/store/entry.js';
import { FrameWriter, encodeFrame, parseFrame } from '../core/replication/frame.js';
import { type PeerRef, type ReplicationTransport, TransportError } from '../core/replication/transport.js';
import {
  type CoordinateReply, type CoordinateRequest, type ReplicateResult, type ReplicateSource,
  encodeCoordinate, encodeEntry, parseCoordinateReply, parseReadReply, parseReplicateReply,
} from '../core/replication/wire.js';
import { encodeCoordinateBatch, parseCoordinateBatchReply } from '../core/replication/coordinate-batch-wire.js';
import type { PeerClient, PeerReply } from './peer-client.js';
import { parseFrameReply, postFrame } from './peer-frame-call.js';
import { REPLICATION_PATHS } from './peer-protocol.js';

/** The replication port over the peer client: frames both ways (docs/peer-protocol.md §3.1), replies validated before the core sees them. */
export class PeerReplicationTransport implements ReplicationTransport {
  private lastReplicate?: { source: ReplicateSource; entries: Entry[]; body: Buffer };

  constructor(
    private readonly client: PeerClient,
    private readonly maxValueBytes: number,
    private readonly logger: Logger,
  ) {}

  async replicate(peer: PeerRef, source: ReplicateSource, entries: Entry[], timeoutMs: number): Promise<ReplicateResult[]> {
    const res = await postFrame(this.client, this.logger, peer, REPLICATION_PATHS.replicate, this.replicateBody(source, entries), timeoutMs);
    return parseFrameReply('replicate', peer, res, (reply) => parseReplicateReply(reply.header, entries.length));
  }

  /**
   * The coordinator sends one entries array to each owner of a batch in a row (coordinator.ts
   * `replicateTo`): the body of the last call is kept until the next turn, so such a message is encoded once.
   */
  private replicateBody(source: ReplicateSource, entries: Entry[]): Buffer {
    const last = this.lastReplicate;
    if (last?.entries === entries && last.source === source) return last.body;
    const frame = new FrameWriter();
    const body = frame.finish({ source, entries: entries.map((e) => encodeEntry(e, frame)) });
    // Kept for the rest of this turn only: a large body must not stay referenced.
    if (!last) setImmediate(() => (this.lastReplicate = undefined));
    this.lastReplicate = { source, entries, body };
    return body;
  }

  read(peer: PeerRef, keys: string[], timeoutMs: number): Promise<(Entry | undefined)[]> {
    return postFrame(this.client, this.logger, peer, REPLICATION_PATHS.read, encodeFrame({ keys }), timeoutMs).then((res) =>
      parseFrameReply('read', peer, res, (reply) => parseReadReply(reply, keys.length, this.maxValueBytes)));
  }

  async coordinate(peer: PeerRef, req: CoordinateRequest, timeoutMs: number): Promise<CoordinateReply> {
    const frame = new FrameWriter();
    const res = await postFrame(this.client, this.logger, peer, REPLICATION_PATHS.coordinate, frame.finish(encodeCoordinate(req, frame)), timeoutMs);
    return this.coordinateReply(peer, res, (doc) => parseCoordinateReply(res.status, doc));
  }

  /** Several operations in one call: 200 answers each; any other status (401, 413, …) is every operation's answer. */
  async coordinateMany(peer: PeerRef, reqs: CoordinateRequest[], timeoutMs: number): Promise<CoordinateReply[]> {
    const frame = new FrameWriter();
    const res = await postFrame(this.client, this.logger, peer, REPLICATION_PATHS.coordinate, frame.finish(encodeCoordinateBatch(reqs, frame)), timeoutMs);
    return this.coordinateReply(peer, res, (doc) => {
      if (res.status === 200) return parseCoordinateBatchReply(doc, reqs.length);
      const reply = parseCoordinateReply(res.status, doc);
      return reqs.map(() => reply);
    });
  }

  /** A 200 answer is a frame (its header the reply); any other status carries the JSON envelope of the refused write (docs/peer-protocol.md §3.1). */
  private coordinateReply<T>(peer: PeerRef, res: PeerReply, parse: (doc: unknown) => T): T {
    try {
      if (res.status !== 200) return parse(JSON.parse(res.body.toString('utf8')));
      return parseFrame(res.body, (reply) => parse(reply.header));
    } catch (err) {
      this.logger.debug({ peer: peer.id, op: 'coordinate', status: res.status, error: String(err) }, 'invalid peer reply');
      throw new TransportError('unknown', `invalid coordinate reply (status ${res.status})`);
    }
  }
}
