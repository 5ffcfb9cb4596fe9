/**
 * Compares strings in UTF-8 byte order (= code point order) without encoding them. UTF-16 order
 * differs only where a surrogate (U+D800–DFFF) meets a unit in U+E000–FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

function rank(u: number): number {
  if (u >= 0xe000) return u - 0x800;
  if (u >= 0xd800) return u + 0x2000;
  return u;
}

/** The `max` smallest distinct keys in UTF-8 order, and whether more matched. */
export function smallestKeys(keys: Iterable<string>, max: number): { keys: string[]; more: boolean } {
  const all = [...new Set(keys)].sort(compareUtf8);
  return { keys: all.slice(0, max), more: all.length > max };
}
