import type { Logger } from 'pino';
import type { AntiEntropyTransport } from '../core/merkle/anti-entropy.js';
import { type MerkleRequest, type MerkleResponse, encodeMerkleRequest, parseMerkleResponse } from '../core/merkle/merkle-wire.js';
import { type PeerRef, TransportError } from '../core/replication/transport.js';
import { peerCallFailure, peerStatusFailure } from './peer-call-error.js';
import type { PeerClient } from './peer-client.js';
import { ANTI_ENTROPY_PATHS } from './peer-protocol.js';


/** The `merkle` peer op over the peer client: JSON bodies, replies validated against the request before the core sees them. */
export class PeerAntiEntropyTransport implements AntiEntropyTransport {
  constructor(
    private readonly client: PeerClient,
    private readonly maxValueBytes: number,
    private readonly logger: Logger,
  ) {}

  async merkle(peer: PeerRef, request: MerkleRequest, timeoutMs: number): Promise<MerkleResponse> {
    const path = ANTI_ENTROPY_PATHS.merkle;
    let res;
    try {
      res = await this.client.call(peer.address, {
        method: 'POST', path, body: JSON.stringify(encodeMerkleRequest(request)), contentType: 'application/json', timeoutMs,
      });
    } catch (err) {
      throw peerCallFailure(err, peer, path, this.logger);
    }
    if (res.status !== 200) throw peerStatusFailure('merkle', peer, res.status);
    try {
      return parseMerkleResponse(JSON.parse(res.body.toString('utf8')), request, this.maxValueBytes);
    } catch (err) {
      throw new TransportError('unknown', `merkle to ${peer.id}: invalid reply: ${String(err)}`);
    }
  }
}
