import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time bearer lookup (CONTRACT §3.2): every configured value is compared on every call,
 * as HMAC-SHA-256 digests under a per-process key so the compared buffers have a fixed length.
 */
export class TokenMatcher<T> {
  private readonly key = randomBytes(32);
  private readonly digests: Array<{ digest: Buffer; value: T }>;

  constructor(entries: Array<[token: string, value: T]>) {
    this.digests = entries.map(([token, value]) => ({ digest: this.digest(token), value }));
  }

  get size(): number {
    return this.digests.length;
  }

  match(candidate: string): T | undefined {
    const d = this.digest(candidate);
    let found: T | undefined;
    for (const entry of this.digests) {
      if (timingSafeEqual(entry.digest, d) && found === undefined) found = entry.value;
    }
    return found;
  }

  private digest(s: string): Buffer {
    return createHmac('sha256', this.key).update(s, 'utf8').digest();
  }
}
