import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuthConfigError, parseAuthConfig } from '../../src/config/auth-config.js';
import { FatalConfigError } from '../../src/config/fatal-config.error.js';
import { loadAuthConfigFile } from '../../src/config/load-files.js';

const T1 = 'tok-AAAA-1111';
const T2 = 'tok-BBBB-2222';
const SECRETS = [T1, T2];
const closed = { oidcEnabled: false };

function problemOf(document: unknown, options = closed): string {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  try {
    parseAuthConfig(text, options);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigError);
    const message = (err as Error).message;
    for (const secret of SECRETS) expect(message).not.toContain(secret);
    return message;
  }
  throw new Error('expected the document to be rejected');
}

describe('parseAuthConfig: accepted documents', () => {
  it('reads the example of docs/configuration.md §3 in file order, CN as default id', () => {
    const text = `{
      "tokens": {
        "ro-7f3a9c":  { "id": "dashboards",  "scopes": ["read"] },
        "rw-91bd02":  { "id": "ops-rw",      "scopes": ["read", "write"] },
        "adm-55e1aa": { "id": "ops-admin",   "scopes": ["read", "write", "admin"] }
      },
      "certificates": {
        "billing.internal": { "scopes": ["read", "write"] },
        "backup-job":       { "id": "backup", "scopes": ["read"] }
      }
    }`;
    expect(parseAuthConfig(text, closed)).toEqual({
      tokens: [
        { token: 'ro-7f3a9c', id: 'dashboards', scopes: ['read'] },
        { token: 'rw-91bd02', id: 'ops-rw', scopes: ['read', 'write'] },
        { token: 'adm-55e1aa', id: 'ops-admin', scopes: ['read', 'write', 'admin'] },
      ],
      certificates: [
        { cn: 'billing.internal', id: 'billing.internal', scopes: ['read', 'write'] },
        { cn: 'backup-job', id: 'backup', scopes: ['read'] },
      ],
    });
  });

  it('keeps the configured scope order and token order, integer-like tokens included', () => {
    const policy = parseAuthConfig(
      '{"tokens": {"zzz": {"id": "a", "scopes": ["admin", "read"]}, "12345": {"id": "a", "scopes": ["write"]}}}',
      closed,
    );
    expect(policy.tokens).toEqual([
      { token: 'zzz', id: 'a', scopes: ['admin', 'read'] },
      { token: '12345', id: 'a', scopes: ['write'] },
    ]);
  });

  it.each([
    ['one token section', { tokens: { [T1]: { id: 'x', scopes: ['read'] } } }],
    ['one certificate section', { certificates: { cn: { scopes: ['admin'] } } }],
    ['the longest token', { tokens: { ['!'.repeat(4096)]: { id: 'x', scopes: ['read'] } } }],
    ['visible ASCII edges', { tokens: { '!~': { id: 'x', scopes: ['read'] } } }],
    ['the longest CN', { certificates: { ['é'.repeat(256)]: { scopes: ['read'] } } }],
    ['the longest id', { tokens: { [T1]: { id: 'é'.repeat(256), scopes: ['read'] } } }],
    ['the same id on two tokens (rotation)', { tokens: { [T1]: { id: 'x', scopes: ['read'] }, [T2]: { id: 'x', scopes: ['read'] } } }],
  ])('accepts %s', (_case, document) => {
    expect(() => parseAuthConfig(JSON.stringify(document), closed)).not.toThrow();
  });

  it.each([{}, { tokens: {} }, { tokens: {}, certificates: {} }])('accepts the empty policy %j with OIDC', (document) => {
    expect(parseAuthConfig(JSON.stringify(document), { oidcEnabled: true })).toEqual({ tokens: [], certificates: [] });
  });
});

describe('parseAuthConfig: every rule of docs/configuration.md §3', () => {
  const entry = { id: 'x', scopes: ['read'] };

  it.each<[string, unknown, string]>([
    ['invalid JSON', `{"tokens": {"${T1}": }}`, 'not valid JSON: unexpected character at line 1 column 30'],
    ['a trailing comma', `{"tokens": {"${T1}": {"id": "x", "scopes": ["read"]},}}`, 'not valid JSON: expected a string key'],
    ['an empty file', '', 'not valid JSON: unexpected end of input at line 1 column 1'],
    ['a top-level array', [], 'the top level: expected a JSON object'],
    ['a top-level string', `"${T1}"`, 'the top level: expected a JSON object'],
    ['top-level null', 'null', 'the top level: expected a JSON object'],
    ['tokens as an array', { tokens: [T1] }, 'tokens: expected a JSON object'],
    ['tokens null', { tokens: null }, 'tokens: expected a JSON object'],
    ['certificates as a string', { certificates: 'cn' }, 'certificates: expected a JSON object'],
    ['a token entry not an object', { tokens: { [T1]: 'read' } }, 'tokens entry #1: expected a JSON object'],
    ['a certificate entry not an object', { certificates: { cn: ['read'] } }, 'certificates entry #1: expected a JSON object'],
    ['an unknown top-level key', { tokens: { [T1]: entry }, [T2]: entry }, 'top-level key #2: unknown key (allowed: tokens, certificates)'],
    ['an unknown token entry key', { tokens: { [T1]: { ...entry, [T2]: 1 } } }, 'tokens entry #1 > key #3: unknown key (allowed: id, scopes)'],
    ['an unknown certificate entry key', { certificates: { cn: { scopes: ['read'], cn: 'x' } } }, 'certificates entry #1 > key #2: unknown key (allowed: id, scopes)'],
    ['an empty token', { tokens: { [T1]: entry, '': entry } }, 'tokens entry #2: the token is empty'],
    ['a token over 4096 chars', { tokens: { ['!'.repeat(4097)]: entry } }, 'tokens entry #1: the token is longer than 4096 characters'],
    ['a token with a space', { tokens: { [`${T1} x`]: entry } }, 'tokens entry #1: the token holds characters outside visible ASCII (0x21-0x7E)'],
    ['a token with non-ASCII', { tokens: { [`${T1}é`]: entry } }, 'tokens entry #1: the token holds characters outside visible ASCII'],
    ['a token with DEL', { tokens: { [`${T1}\x7f`]: entry } }, 'tokens entry #1: the token holds characters outside visible ASCII'],
    ['the same token twice', `{"tokens": {"${T1}": {"id": "a", "scopes": ["read"]}, "${T2}": {"id": "b", "scopes": ["read"]}, "${T1}": {"id": "c", "scopes": ["read"]}}}`, 'tokens entry #3: repeats an earlier key (duplicate object key)'],
    ['the same token, escaped', `{"tokens": {"abc": {"id": "a", "scopes": ["read"]}, "\\u0061bc": {"id": "b", "scopes": ["read"]}}}`, 'tokens entry #2: repeats an earlier key'],
    ['the same CN twice', '{"certificates": {"cn": {"scopes": ["read"]}, "cn": {"scopes": ["write"]}}}', 'certificates entry #2: repeats an earlier key'],
    ['id twice in an entry', `{"tokens": {"${T1}": {"id": "a", "id": "b", "scopes": ["read"]}}}`, 'tokens entry #1 > id: repeats an earlier key'],
    ['tokens twice', `{"tokens": {}, "tokens": {"${T1}": {"id": "a", "scopes": ["read"]}}}`, 'tokens: repeats an earlier key'],
    ['a duplicate under an unknown key', `{"x": {"${T1}": 1, "${T1}": 2}}`, 'top-level key #1 > key #2: repeats an earlier key'],
    ['an empty CN', { certificates: { '': { scopes: ['read'] } } }, 'certificates entry #1: the CN is empty'],
    ['a CN over 256 chars', { certificates: { ['c'.repeat(257)]: { scopes: ['read'] } } }, 'certificates entry #1: the CN is longer than 256 characters'],
    ['a token without id', { tokens: { [T1]: entry, [T2]: { scopes: ['read'] } } }, 'tokens entry #2: id is missing'],
    ['an empty id', { tokens: { [T1]: { id: '', scopes: ['read'] } } }, 'tokens entry #1 > id: expected a non-empty string'],
    ['a numeric id', { tokens: { [T1]: { id: 7, scopes: ['read'] } } }, 'tokens entry #1 > id: expected a non-empty string'],
    ['a null certificate id', { certificates: { cn: { id: null, scopes: ['read'] } } }, 'certificates entry #1 > id: expected a non-empty string'],
    ['an empty certificate id', { certificates: { cn: { id: '', scopes: ['read'] } } }, 'certificates entry #1 > id: expected a non-empty string'],
    ['an id over 256 chars', { tokens: { [T1]: { id: 'i'.repeat(257), scopes: ['read'] } } }, 'tokens entry #1 > id: longer than 256 characters'],
    ['a certificate id over 256 chars', { certificates: { cn: { id: 'i'.repeat(257), scopes: ['read'] } } }, 'certificates entry #1 > id: longer than 256 characters'],
    ['scopes missing', { tokens: { [T1]: { id: 'x' } } }, 'tokens entry #1: scopes is missing'],
    ['certificate scopes missing', { certificates: { cn: {} } }, 'certificates entry #1: scopes is missing'],
    ['scopes not an array', { tokens: { [T1]: { id: 'x', scopes: 'read' } } }, 'tokens entry #1 > scopes: expected an array'],
    ['scopes empty', { tokens: { [T1]: { id: 'x', scopes: [] } } }, 'tokens entry #1 > scopes: expected at least one scope'],
    ['an unknown scope', { tokens: { [T1]: { id: 'x', scopes: ['read', 'delete'] } } }, 'tokens entry #1 > scopes > item #2: expected "read", "write" or "admin"'],
    ['a scope of another case', { certificates: { cn: { scopes: ['READ'] } } }, 'certificates entry #1 > scopes > item #1: expected "read", "write" or "admin"'],
    ['a non-string scope', { tokens: { [T1]: { id: 'x', scopes: [1] } } }, 'tokens entry #1 > scopes > item #1: expected "read", "write" or "admin"'],
    ['a repeated scope', { tokens: { [T1]: { id: 'x', scopes: ['read', 'write', 'read'] } } }, 'tokens entry #1 > scopes > item #3: repeats "read"'],
    ['an empty policy', {}, 'no token and no certificate entry while HYPERCACHE_OIDC_ISSUER is unset: every request would be rejected'],
    ['empty sections', { tokens: {}, certificates: {} }, 'no token and no certificate entry'],
  ])('rejects %s', (_case, document, expected) => {
    expect(problemOf(document).startsWith(expected)).toBe(true);
  });
});

describe('loadAuthConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hc-auth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const fatalOf = (path: string, oidcEnabled = false): string => {
    try {
      loadAuthConfigFile(path, { oidcEnabled });
    } catch (err) {
      expect(err).toBeInstanceOf(FatalConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a fatal error');
  };

  it('returns the policy', () => {
    const path = write('ok.json', JSON.stringify({ tokens: { [T1]: { id: 'ops', scopes: ['read'] } } }));
    expect(loadAuthConfigFile(path, { oidcEnabled: false })).toEqual({
      tokens: [{ token: T1, id: 'ops', scopes: ['read'] }],
      certificates: [],
    });
  });

  it('accepts a UTF-8 byte order mark', () => {
    const path = write('bom.json', `\ufeff${JSON.stringify({ certificates: { 'é': { scopes: ['read'] } } })}`);
    expect(loadAuthConfigFile(path, { oidcEnabled: false }).certificates[0]?.cn).toBe('é');
  });

  it('names the variable and the file on a missing file', () => {
    const path = join(dir, 'missing.json');
    expect(fatalOf(path)).toBe(`HYPERCACHE_AUTH_CONFIG: cannot read file ${JSON.stringify(path)} (ENOENT)`);
  });

  it('fails on a directory', () => {
    expect(fatalOf(dir)).toBe(`HYPERCACHE_AUTH_CONFIG: cannot read file ${JSON.stringify(dir)} (EISDIR)`);
  });

  it('fails on invalid UTF-8', () => {
    const path = write('latin1.json', Buffer.from('{"certificates": {"\xe9": {"scopes": ["read"]}}}', 'latin1'));
    expect(fatalOf(path)).toBe(`HYPERCACHE_AUTH_CONFIG: file ${JSON.stringify(path)}: not valid UTF-8`);
  });

  it('prefixes document problems and never shows a token', () => {
    const path = write('dup.json', `{"tokens": {"${T1}": {"id": "a", "scopes": ["read"]}, "${T1}": {"id": "b", "scopes": ["read"]}}}`);
    const message = fatalOf(path);
    expect(message).toBe(
      `HYPERCACHE_AUTH_CONFIG: file ${JSON.stringify(path)}: tokens entry #2: repeats an earlier key (duplicate object key)`,
    );
    expect(message).not.toContain(T1);
  });

  it('allows an empty policy only with OIDC', () => {
    const path = write('empty.json', '{}');
    expect(fatalOf(path)).toMatch(/no token and no certificate entry/);
    expect(loadAuthConfigFile(path, { oidcEnabled: true })).toEqual({ tokens: [], certificates: [] });
  });
});
