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
 * - The comparison is constant-time over the presented header (`sameText`: every character is
 *   compared, with no early exit; on a length mismatch the presented header is compared with
 *   itself, so a miss costs the same whatever the remembered length). A miss goes through the full
 *   constant-time token match.
 */
export class ConnectionMemo<T> {
  private readonly last = new WeakMap<object, { header: string; value: T }>();

  recall(connection: object, header: string): T | undefined {
    const m = this.last.get(connection);
    if (m === undefined) return undefined;
    if (header.length !== m.header.length) {
      sameText(header, header);
      return undefined;
    }
    return sameText(header, m.header) ? m.value : undefined;
  }

  remember(connection: object, header: string, value: T): void {
    this.last.set(connection, { header, value });
  }
}

/**
 * Whether two strings of equal length are equal, in time that depends on the length only: every
 * UTF-16 unit is compared and the differences are OR-ed, with no early exit (the header bytes are
 * never copied into a Buffer, which cost more than the comparison on the request path).
 */
function sameText(a: string, b: string): boolean {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
