import { CacheError, Errors } from '../core/errors.js';
import { isValidKey } from '../core/keys/key-codec.js';

/** `ttl_ms` of a batch item: 0 (no expiry) to 87600h in ms (docs/configuration.md §6). */
const MAX_TTL_MS_ITEM = 315_360_000_000;

export type PutItemCheck =
  | { ok: true; key: string; value: Buffer; ttlMs: number }
  | { ok: false; key: string; error: CacheError };

/** Validates one batch-put element in the order of the docs/api.md §1.11 table; the first failure wins. */
export function checkPutItem(el: unknown, maxValueBytes: number): PutItemCheck {
  if (typeof el !== 'object' || el === null || Array.isArray(el)) return fail('', 'missing or invalid key');
  const item = el as Record<string, unknown>;
  const key = typeof item.key === 'string' ? item.key : '';
  if (!isValidKey(item.key)) return fail(key, 'missing or invalid key');
  const { value, value_encoding: encoding, ttl_ms: ttl } = item;
  if (typeof value !== 'string') return fail(key, 'missing or invalid value');
  if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'base64') return fail(key, 'unknown value_encoding');
  const base64 = encoding === 'base64';
  if (base64 && !isStrictBase64(value)) return fail(key, 'invalid base64 value');
  const size = base64 ? decodedBase64Length(value) : Buffer.byteLength(value, 'utf8');
  if (size > maxValueBytes) return { ok: false, key, error: Errors.tooLarge(maxValueBytes) };
  if (ttl !== undefined && !(Number.isInteger(ttl) && (ttl as number) >= 0 && (ttl as number) <= MAX_TTL_MS_ITEM)) {
    return fail(key, 'invalid ttl_ms');
  }
  return { ok: true, key, value: Buffer.from(value, base64 ? 'base64' : 'utf8'), ttlMs: (ttl as number | undefined) ?? 0 };
}

function fail(key: string, message: string): PutItemCheck {
  return { ok: false, key, error: new CacheError('BAD_REQUEST', message) };
}

/**
 * RFC 4648 §4: standard alphabet, length a multiple of 4, `=` only as one or two final pad
 * characters. Checked by hand: Buffer.from(s, 'base64') silently skips anything else.
 */
export function isStrictBase64(s: string): boolean {
  if (s.length % 4 !== 0) return false;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  for (let i = 0; i < s.length - pad; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    if (!ok) return false;
  }
  return true;
}

function decodedBase64Length(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}
