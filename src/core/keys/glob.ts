import { CacheError } from '../errors.js';

/** Returns true when a key matches the key-browser pattern. */
export type KeyMatcher = (key: string) => boolean;

type Token =
  | { kind: 'char'; cp: number }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; negated: boolean; ranges: Array<[number, number]> };

/**
 * Compiles the key-browser pattern `q` (docs/api.md §1.12). With an unescaped `*`, `?` or `[` it is a
 * glob over the whole key (`*` also matches `/`, `?` one code point, classes with ranges and
 * `!`/`^` negation, `\` escapes); otherwise a literal prefix with the escapes removed. An empty
 * pattern matches every key. Malformed patterns throw 400 `invalid glob pattern: <detail>`.
 */
export function compileKeyPattern(q: string): KeyMatcher {
  const tokens = parse(q);
  if (!tokens.some((t) => t.kind !== 'char')) {
    const prefix = String.fromCodePoint(...tokens.map((t) => (t as { cp: number }).cp));
    return prefix === '' ? () => true : (key) => key.startsWith(prefix);
  }
  return (key) => matchTokens(tokens, key);
}

function invalid(detail: string): CacheError {
  return new CacheError('BAD_REQUEST', `invalid glob pattern: ${detail}`);
}

function parse(q: string): Token[] {
  const cps = Array.from(q, (c) => c.codePointAt(0)!);
  const tokens: Token[] = [];
  let i = 0;
  const escaped = (): number => {
    if (i + 1 >= cps.length) throw invalid('trailing backslash');
    i += 2;
    return cps[i - 1]!;
  };
  while (i < cps.length) {
    const c = cps[i]!;
    if (c === 0x5c /* \ */) tokens.push({ kind: 'char', cp: escaped() });
    else if (c === 0x2a /* * */) {
      // Consecutive stars match the same runs as one.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      i++;
    } else if (c === 0x3f /* ? */) {
      tokens.push({ kind: 'any' });
      i++;
    } else if (c === 0x5b /* [ */) {
      i++;
      tokens.push(parseClass());
    } else {
      tokens.push({ kind: 'char', cp: c });
      i++;
    }
  }
  return tokens;

  function parseClass(): Token {
    const negated = cps[i] === 0x21 /* ! */ || cps[i] === 0x5e; /* ^ */
    if (negated) i++;
    const ranges: Array<[number, number]> = [];
    const member = (): number => (cps[i] === 0x5c ? escaped() : cps[i++]!);
    for (;;) {
      if (i >= cps.length) throw invalid("unclosed '['");
      if (cps[i] === 0x5d /* ] */) {
        i++;
        if (ranges.length === 0) throw invalid('empty character class');
        return { kind: 'class', negated, ranges };
      }
      const lo = member();
      // `-` is a range only between two members; first or last in the class it is literal.
      if (cps[i] === 0x2d && i + 1 < cps.length && cps[i + 1] !== 0x5d) {
        i++;
        const hi = member();
        if (hi < lo) throw invalid(`reversed range '${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}'`);
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
  }
}

/**
 * Whole-key match by code points. Every non-star token consumes exactly one code point, so the
 * greedy scan with backtracking to the last star is exact and O(key × pattern): no regex, no ReDoS.
 */
function matchTokens(tokens: Token[], key: string): boolean {
  let p = 0;
  let k = 0;
  let starP = -1;
  let starK = 0;
  while (k < key.length) {
    const t = tokens[p];
    if (t?.kind === 'star') {
      starP = p++;
      starK = k;
      continue;
    }
    const cp = key.codePointAt(k)!;
    if (t !== undefined && matchesOne(t, cp)) {
      p++;
      k += cp > 0xffff ? 2 : 1;
      continue;
    }
    if (starP < 0) return false;
    p = starP + 1;
    starK += key.codePointAt(starK)! > 0xffff ? 2 : 1;
    k = starK;
  }
  while (tokens[p]?.kind === 'star') p++;
  return p === tokens.length;
}

function matchesOne(t: Token, cp: number): boolean {
  switch (t.kind) {
    case 'char': return t.cp === cp;
    case 'any': return true;
    case 'class': return t.ranges.some(([lo, hi]) => cp >= lo && cp <= hi) !== t.negated;
    case 'star': return false;
  }
}
