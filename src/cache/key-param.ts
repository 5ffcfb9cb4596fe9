import { Transform } from 'class-transformer';
import { Errors } from '../core/errors.js';
import { decodeKeySegment } from '../core/keys/key-codec.js';

/** The decoded `{key}` of a route; the segment arrives raw (raw-key-path.ts). */
export function requireKey(rawSegment: string | undefined): string {
  const key = rawSegment === undefined ? undefined : decodeKeySegment(rawSegment);
  if (key === undefined) throw Errors.invalidKey();
  return key;
}

/** A query parameter given once; a repeated one counts by its first value. */
export function firstValue(v: unknown): string | undefined {
  if (Array.isArray(v)) return firstValue(v[0]);
  return typeof v === 'string' ? v : undefined;
}

/** DTO property decorator: the same first-value rule for a query parameter checked by class-validator. */
export const FirstValue = () => Transform(({ value }: { value: unknown }) => firstValue(value));
