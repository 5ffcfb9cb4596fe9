import { CacheError } from '../core/errors.js';

/** A parsed If-Match / If-None-Match value: `*`, or the versions named by strong ETags. */
export type EtagCondition = '*' | number[];

/** Our entity tag for a version (docs/api.md §1.9). */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Parses `If-Match` / `If-None-Match` (RFC 9110 §13.1): `*` or a comma-separated list of entity
 * tags. Weak tags and strong tags that are not decimal versions are well-formed but never match,
 * so they are dropped. Returns undefined when the header is absent; a malformed value throws 400
 * `invalid <name> header`.
 */
export function parseEtagCondition(name: 'If-Match' | 'If-None-Match', value: string | undefined): EtagCondition | undefined {
  if (value === undefined) return undefined;
  const bad = () => new CacheError('BAD_REQUEST', `invalid ${name} header`);
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  const versions: number[] = [];
  let tags = 0;
  let i = 0;
  const skipSpace = () => {
    while (trimmed[i] === ' ' || trimmed[i] === '\t') i++;
  };
  while (i < trimmed.length) {
    skipSpace();
    // Empty list elements (`"1", , "2"`) are allowed by the list syntax.
    if (trimmed[i] === ',') {
      i++;
      continue;
    }
    const weak = trimmed.startsWith('W/', i);
    if (weak) i += 2;
    if (trimmed[i] !== '"') throw bad();
    const close = trimmed.indexOf('"', i + 1);
    if (close < 0) throw bad();
    const opaque = trimmed.slice(i + 1, close);
    if (!isEtagChars(opaque)) throw bad();
    tags++;
    if (!weak && /^[0-9]+$/.test(opaque) && Number.isSafeInteger(Number(opaque))) versions.push(Number(opaque));
    i = close + 1;
    skipSpace();
    if (i < trimmed.length && trimmed[i] !== ',') throw bad();
  }
  if (tags === 0) throw bad();
  return versions;
}

/** True when a live item's version satisfies the condition (`*` matches any live item). */
export function conditionMatches(condition: EtagCondition, version: number): boolean {
  return condition === '*' || condition.includes(version);
}

/** etagc = %x21 / %x23-7E / obs-text */
function isEtagChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c === 0x22 || c === 0x7f || c > 0xff) return false;
  }
  return true;
}
