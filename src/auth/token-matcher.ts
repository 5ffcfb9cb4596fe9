import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConnectionMemo } from './connection-memo.js';

/**
 * Constant-time bearer lookup (docs/auth.md §2): every configured value is compared on every call, as
 * fixed-length SHA-256 digests keyed by a per-process random secret, so the compared buffers have
 * the same length whatever the token. The digest is SHA-256(secret ‖ token) computed with the
 * one-shot `crypto.hash` (no Hmac object per request: that was ~9 % of the CPU of a GET in
 * bench/PROFILE.md); digests never leave the process, so length extension does not apply.
 */
export class TokenMatcher<T> {
  private readonly secret = randomBytes(32).toString('hex');
  private readonly digests: Array<{ digest: Buffer; value: T }>;
  private readonly memo = new ConnectionMemo<T>();

  constructor(entries: Array<[token: string, value: T]>) {
    this.digests = entries.map(([token, value]) => ({ digest: this.digest(token), value }));
  }

  get size(): number {
    return this.digests.length;
  }

  /**
   * The value of the configured token equal to `candidate`, or undefined. With `connection` (the
   * request's socket), a candidate that matched on the same connection before is recognised without
   * the digest (connection-memo.ts).
   */
  match(candidate: string, connection?: object): T | undefined {
    if (connection !== undefined) {
      const again = this.memo.recall(connection, candidate);
      if (again !== undefined) return again;
    }
    const d = this.digest(candidate);
    let found: T | undefined;
    for (const entry of this.digests) {
      if (timingSafeEqual(entry.digest, d) && found === undefined) found = entry.value;
    }
    if (found !== undefined && connection !== undefined) this.memo.remember(connection, candidate, found);
    return found;
  }

  private digest(s: string): Buffer {
    return hash('sha256', this.secret + s, 'buffer');
  }
}
