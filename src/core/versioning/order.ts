/** Total order on (version, origin) (docs/cluster.md §6): higher version wins, ties go to the larger origin as UTF-8 bytes. */
export interface Versioned {
  version: number;
  origin: string;
}

export function compareOrigin(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersioned(a: Versioned, b: Versioned): number {
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  return compareOrigin(a.origin, b.origin);
}
