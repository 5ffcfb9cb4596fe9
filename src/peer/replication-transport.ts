import type { Logger } from 'pino';
import type { Entry } from '../core/store/entry.js';
import { type PeerRef, type ReplicationTransport, TransportError } from '../core/replication/transport.js';
import {
  type CoordinateReply, type CoordinateRequest, type ReplicateResult, type ReplicateSource,
  encodeCoordinate, encodeEntry, parseCoordinateReply, parseReadReply, parseReplicateReply,
} from '../core/replication/wire.js';
import { encodeCoordinateBatch, parseCoordinateBatchReply } from '../core/replication/coordinate-batch-wire.js';
import { peerCallFailure, peerStatusFailure } from './peer-call-error.js';
import type { PeerClient, PeerReply } from './peer-client.js';
import { REPLICATION_PATHS } from './peer-protocol.js';


/** The replication port over the peer client: JSON bodies, replies validated before the core sees them. */
export class PeerReplicationTransport implements ReplicationTransport {
  private lastReplicate?: { source: ReplicateSource; entries: Entry[]; body: Buffer };

  constructor(
    private readonly client: PeerClient,
    private readonly maxValueBytes: number,
    private readonly logger: Logger,
  ) {}

  async replicate(peer: PeerRef, source: ReplicateSource, entries: Entry[], timeoutMs: number): Promise<ReplicateResult[]> {
    const res = await this.post(peer, REPLICATION_PATHS.replicate, this.replicateBody(source, entries), timeoutMs);
    return this.parse(peer, 'replicate', res, (doc) => parseReplicateReply(doc, entries.length));
  }

  /**
   * The coordinator sends one entries array to each owner of a batch in a row (coordinator.ts
   * `replicateTo`): the body of the last call is kept until the next turn, so such a message is encoded once.
   */
  private replicateBody(source: ReplicateSource, entries: Entry[]): Buffer {
    const last = this.lastReplicate;
    if (last?.entries === entries && last.source === source) return last.body;
    const body = Buffer.from(JSON.stringify({ source, entries: entries.map(encodeEntry) }));
    // Kept for the rest of this turn only: a large body must not stay referenced.
    if (!last) setImmediate(() => (this.lastReplicate = undefined));
    this.lastReplicate = { source, entries, body };
    return body;
  }

  async read(peer: PeerRef, keys: string[], timeoutMs: number): Promise<(Entry | undefined)[]> {
    const res = await this.post(peer, REPLICATION_PATHS.read, { keys }, timeoutMs);
    return this.parse(peer, 'read', res, (doc) => parseReadReply(doc, keys.length, this.maxValueBytes));
  }

  async coordinate(peer: PeerRef, req: CoordinateRequest, timeoutMs: number): Promise<CoordinateReply> {
    const res = await this.post(peer, REPLICATION_PATHS.coordinate, encodeCoordinate(req), timeoutMs);
    return this.coordinateReply(peer, res, (doc) => parseCoordinateReply(res.status, doc));
  }

  /** Several operations in one call: 200 answers each; any other status (401, 413, …) is every operation's answer. */
  async coordinateMany(peer: PeerRef, reqs: CoordinateRequest[], timeoutMs: number): Promise<CoordinateReply[]> {
    const res = await this.post(peer, REPLICATION_PATHS.coordinate, encodeCoordinateBatch(reqs), timeoutMs);
    return this.coordinateReply(peer, res, (doc) => {
      if (res.status === 200) return parseCoordinateBatchReply(doc, reqs.length);
      const reply = parseCoordinateReply(res.status, doc);
      return reqs.map(() => reply);
    });
  }

  private coordinateReply<T>(peer: PeerRef, res: PeerReply, parse: (doc: unknown) => T): T {
    try {
      return parse(JSON.parse(res.body.toString('utf8')));
    } catch (err) {
      this.logger.debug({ peer: peer.id, op: 'coordinate', status: res.status, error: String(err) }, 'invalid peer reply');
      throw new TransportError('unknown', `invalid coordinate reply (status ${res.status})`);
    }
  }

  private async post(peer: PeerRef, path: string, body: unknown, timeoutMs: number): Promise<PeerReply> {
    try {
      return await this.client.call(peer.address, {
        method: 'POST', path, body: Buffer.isBuffer(body) ? body : JSON.stringify(body), contentType: 'application/json', timeoutMs,
      });
    } catch (err) {
      throw peerCallFailure(err, peer, path, this.logger);
    }
  }

  private parse<T>(peer: PeerRef, op: string, res: PeerReply, fn: (doc: unknown) => T): T {
    if (res.status !== 200) throw peerStatusFailure(op, peer, res.status);
    try {
      return fn(JSON.parse(res.body.toString('utf8')));
    } catch (err) {
      throw new TransportError('unknown', `${op} to ${peer.id}: invalid reply: ${String(err)}`);
    }
  }
}
