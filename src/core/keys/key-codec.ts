/** Keys are 1–1024 bytes of UTF-8 after percent-decoding (docs/api.md §1.2, docs/configuration.md §6). */
export const MAX_KEY_BYTES = 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Decodes one raw path segment with decodeURIComponent semantics and validates it as a key.
 * Returns undefined for a bad escape, invalid UTF-8, an empty key or more than 1024 bytes.
 * A raw request target is ASCII (Node's HTTP parser refuses other bytes); anything else is invalid.
 */
export function decodeKeySegment(raw: string): string | undefined {
  if (raw.length === 0) return undefined;
  if (isPlainAscii(raw)) return raw.length <= MAX_KEY_BYTES ? raw : undefined;
  // Every escape or raw byte yields at most one byte, so this bounds the decoded size.
  const bytes = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hexValue(raw.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      bytes[n++] = (hi << 4) | lo;
      i += 2;
    } else if (c < 0x80) {
      bytes[n++] = c;
    } else {
      return undefined;
    }
  }
  if (n === 0 || n > MAX_KEY_BYTES) return undefined;
  try {
    return utf8.decode(bytes.subarray(0, n));
  } catch {
    return undefined;
  }
}

/** A key given as a JSON string (batch bodies): well-formed UTF-16, 1–1024 UTF-8 bytes. */
export function isValidKey(key: unknown): key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_BYTES) return false;
  return !LONE_SURROGATE.test(key) && Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES;
}

/** The hot path: ASCII without escapes is its own decoding. */
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 || c >= 0x80) return false;
  }
  return true;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
