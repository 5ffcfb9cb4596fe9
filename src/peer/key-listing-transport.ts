import type { KeyListingTransport, MemberListing } from '../core/keys/key-listing.js';
import { parseListKeysReply } from '../core/keys/key-listing-wire.js';
import type { PeerRef } from '../core/replication/transport.js';
import type { PeerClient } from './peer-client.js';
import { KEY_LISTING_PATHS } from './peer-protocol.js';

/** The `list_keys` op over the peer client; any non-200 or invalid reply fails the call (the member becomes partial). */
export class PeerKeyListingTransport implements KeyListingTransport {
  constructor(private readonly client: PeerClient) {}

  async listKeys(peer: PeerRef, pattern: string, max: number, timeoutMs: number): Promise<MemberListing> {
    const res = await this.client.call(peer.address, {
      method: 'POST', path: KEY_LISTING_PATHS.list_keys, body: JSON.stringify({ pattern, max }), contentType: 'application/json', timeoutMs,
    });
    if (res.status !== 200) throw new Error(`list_keys to ${peer.id}: status ${res.status}`);
    return parseListKeysReply(JSON.parse(res.body.toString('utf8')), max);
  }
}
