/**
 * The auth config document of docs/configuration.md §3 → scope policy. Errors locate problems by position and
 * print only words of the schema, never a key of the file (a token, or a token pasted in the wrong place).
 */
import { TOKEN_PATTERN } from './patterns.js';
import { JsonDuplicateKeyError, JsonObject, parseStrictJson, type JsonPath, type JsonValue } from './strict-json.js';

export type Scope = 'read' | 'write' | 'admin';

export interface TokenRule {
  token: string;
  id: string;
  scopes: Scope[];
}

export interface CertificateRule {
  cn: string;
  /** Defaults to the CN. */
  id: string;
  scopes: Scope[];
}

export interface AuthPolicy {
  tokens: TokenRule[];
  certificates: CertificateRule[];
}

export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}

const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];
const SECTIONS = new Set(['tokens', 'certificates']);
const ENTRY_KEYS = new Set(['id', 'scopes']);
const PRINTABLE_KEYS = new Set([...SECTIONS, ...ENTRY_KEYS]);
const MAX_ID = 256;

/** e.g. `tokens entry #2 > scopes > item #3`; unknown keys appear as `key #n`. */
function where(path: JsonPath): string {
  if (path.length === 0) return 'the top level';
  let out = '';
  path.forEach(({ key, position }, depth) => {
    const entryOfSection = depth === 1 && SECTIONS.has(String(path[0]!.key));
    if (entryOfSection) out += ` entry #${position}`;
    else if (typeof key === 'number') out += ` > item #${position}`;
    else if (PRINTABLE_KEYS.has(key)) out += depth === 0 ? key : ` > ${key}`;
    else out += depth === 0 ? `top-level key #${position}` : ` > key #${position}`;
  });
  return out;
}

const fail = (path: JsonPath, problem: string): never => {
  throw new AuthConfigError(`${where(path)}: ${problem}`);
};

const codePoints = (s: string): number => [...s].length;

function asObject(value: JsonValue | undefined, path: JsonPath): JsonObject {
  if (!(value instanceof JsonObject)) return fail(path, 'expected a JSON object');
  return value;
}

function rejectUnknownKeys(object: JsonObject, path: JsonPath, allowed: ReadonlySet<string>): void {
  object.entries.forEach(([key], i) => {
    if (allowed.has(key)) return;
    fail([...path, { key, position: i + 1 }], `unknown key (allowed: ${[...allowed].join(', ')})`);
  });
}

function field(object: JsonObject, key: string, path: JsonPath): { value: JsonValue; path: JsonPath } | undefined {
  const index = object.entries.findIndex(([k]) => k === key);
  if (index < 0) return undefined;
  return { value: object.entries[index]![1], path: [...path, { key, position: index + 1 }] };
}

function readId(value: JsonValue, path: JsonPath): string {
  if (typeof value !== 'string' || value === '') return fail(path, 'expected a non-empty string');
  if (codePoints(value) > MAX_ID) fail(path, `longer than ${MAX_ID} characters`);
  return value;
}

function readScopes(entry: JsonObject, path: JsonPath): Scope[] {
  const scopes = field(entry, 'scopes', path);
  if (!scopes) return fail(path, 'scopes is missing');
  if (!Array.isArray(scopes.value)) return fail(scopes.path, 'expected an array');
  if (scopes.value.length === 0) fail(scopes.path, 'expected at least one scope');
  const seen = new Set<Scope>();
  scopes.value.forEach((scope, i) => {
    const itemPath = [...scopes.path, { key: i, position: i + 1 }];
    if (!SCOPES.includes(scope as Scope)) fail(itemPath, 'expected "read", "write" or "admin"');
    if (seen.has(scope as Scope)) fail(itemPath, `repeats "${String(scope)}"`);
    seen.add(scope as Scope);
  });
  return [...seen];
}

function readEntries<T>(
  root: JsonObject,
  section: string,
  read: (key: string, entry: JsonObject, path: JsonPath) => T,
): T[] {
  const found = field(root, section, []);
  if (!found) return [];
  const entries = asObject(found.value, found.path).entries;
  return entries.map(([key, value], i) => {
    const path = [...found.path, { key, position: i + 1 }];
    return read(key, asObject(value, path), path);
  });
}

function readToken(token: string, entry: JsonObject, path: JsonPath): TokenRule {
  if (token === '') fail(path, 'the token is empty');
  if (token.length > 4096) fail(path, 'the token is longer than 4096 characters');
  if (!TOKEN_PATTERN.test(token)) fail(path, 'the token holds characters outside visible ASCII (0x21-0x7E)');
  rejectUnknownKeys(entry, path, ENTRY_KEYS);
  const id = field(entry, 'id', path);
  if (!id) return fail(path, 'id is missing');
  return { token, id: readId(id.value, id.path), scopes: readScopes(entry, path) };
}

function readCertificate(cn: string, entry: JsonObject, path: JsonPath): CertificateRule {
  if (cn === '') fail(path, 'the CN is empty');
  if (codePoints(cn) > MAX_ID) fail(path, `the CN is longer than ${MAX_ID} characters`);
  rejectUnknownKeys(entry, path, ENTRY_KEYS);
  const id = field(entry, 'id', path);
  return { cn, id: id ? readId(id.value, id.path) : cn, scopes: readScopes(entry, path) };
}

/** Validates the document per docs/configuration.md §3. `oidcEnabled`: an empty policy is allowed only with OIDC. */
export function parseAuthConfig(text: string, { oidcEnabled }: { oidcEnabled: boolean }): AuthPolicy {
  let document: JsonValue;
  try {
    document = parseStrictJson(text);
  } catch (err) {
    if (err instanceof JsonDuplicateKeyError) return fail(err.path, 'repeats an earlier key (duplicate object key)');
    throw new AuthConfigError(`not valid JSON: ${(err as Error).message}`);
  }
  const root = asObject(document, []);
  rejectUnknownKeys(root, [], SECTIONS);
  const policy = {
    tokens: readEntries(root, 'tokens', readToken),
    certificates: readEntries(root, 'certificates', readCertificate),
  };
  if (policy.tokens.length === 0 && policy.certificates.length === 0 && !oidcEnabled) {
    throw new AuthConfigError(
      'no token and no certificate entry while HYPERCACHE_OIDC_ISSUER is unset: every request would be rejected',
    );
  }
  return policy;
}
