/** Size syntax of docs/configuration.md §2: `^[0-9]+(KiB|MiB|GiB)?$`, suffix case-insensitive, binary multiples. */
export class SizeSyntaxError extends Error {
  override readonly name = 'SizeSyntaxError';
}

export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;

const MULTIPLIERS: Record<string, number> = { '': 1, kib: KIB, mib: MIB, gib: GIB };
const SIZE = /^([0-9]+)(KiB|MiB|GiB)?$/i;

/** Parses a size to bytes; throws SizeSyntaxError on bad syntax or a result beyond Number.MAX_SAFE_INTEGER. */
export function parseSize(input: string): number {
  const match = SIZE.exec(input);
  if (!match) throw new SizeSyntaxError('expected digits with an optional KiB, MiB or GiB suffix');
  const bytes = Number(match[1]) * MULTIPLIERS[(match[2] ?? '').toLowerCase()]!;
  if (!Number.isSafeInteger(bytes)) throw new SizeSyntaxError('size out of range');
  return bytes;
}
