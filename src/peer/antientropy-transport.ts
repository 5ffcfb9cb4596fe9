import type { Logger } from 'pino';
import type { AntiEntropyTransport } from '../core/merkle/anti-entropy.js';
import { type MerkleRequest, type MerkleResponse, encodeMerkleRequest, parseMerkleResponse } from '../core/merkle/merkle-wire.js';
import { encodeFrame } from '../core/replication/frame.js';
import type { PeerRef } from '../core/replication/transport.js';
import type { PeerClient } from './peer-client.js';
import { parseFrameReply, postFrame } from './peer-frame-call.js';
import { ANTI_ENTROPY_PATHS } from './peer-protocol.js';

/** The `merkle` peer op over the peer client: frames both ways (docs/peer-protocol.md §3.1), replies validated against the request before the core sees them. */
export class PeerAntiEntropyTransport implements AntiEntropyTransport {
  constructor(
    private readonly client: PeerClient,
    private readonly maxValueBytes: number,
    private readonly logger: Logger,
  ) {}

  async merkle(peer: PeerRef, request: MerkleRequest, timeoutMs: number): Promise<MerkleResponse> {
    const res = await postFrame(this.client, this.logger, peer, ANTI_ENTROPY_PATHS.merkle, encodeFrame(encodeMerkleRequest(request)), timeoutMs);
    return parseFrameReply('merkle', peer, res, (reply) => parseMerkleResponse(reply, request, this.maxValueBytes));
  }
}
