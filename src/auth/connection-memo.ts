import { timingSafeEqual } from 'node:crypto';

/**
 * The last bearer token that matched a static token on a connection, with what it matched
 * (TokenMatcher keeps one for the client API and one for peer auth). Keep-alive clients send the
 * same header on every request, and the token digest was the largest single cost of an
 * authenticated GET (bench/PROFILE.md); a repeat on the same connection is recognised by comparing
 * the token bytes instead.
 *
 * - Only static tokens are remembered: they are fixed for the process lifetime (no reload), so the
 *   identity cannot go stale. OIDC JWTs expire and are never remembered.
 * - Only the same connection's previous header is compared, never another connection's.
 * - The comparison is constant-time over the presented header (`timingSafeEqual` on equal lengths;
 *   on a length mismatch the presented bytes are compared with themselves, so a miss costs the same
 *   whatever the remembered length). A miss goes through the full constant-time token match.
 */
export class ConnectionMemo<T> {
  private readonly last = new WeakMap<object, { header: Buffer; value: T }>();

  recall(connection: object, header: string): T | undefined {
    const m = this.last.get(connection);
    if (m === undefined) return undefined;
    const presented = Buffer.from(header, 'latin1');
    if (presented.length !== m.header.length) {
      timingSafeEqual(presented, presented);
      return undefined;
    }
    return timingSafeEqual(presented, m.header) ? m.value : undefined;
  }

  remember(connection: object, header: string, value: T): void {
    this.last.set(connection, { header: Buffer.from(header, 'latin1'), value });
  }
}
