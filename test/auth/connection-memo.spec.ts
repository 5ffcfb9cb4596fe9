import { describe, expect, it } from 'vitest';
import { AuthPolicy } from '../../src/auth/auth-policy.js';
import { ConnectionMemo } from '../../src/auth/connection-memo.js';
import type { AuthPolicy as AuthFile } from '../../src/config/auth-config.js';
import { testConfig } from '../support/test-config.js';

describe('ConnectionMemo (a keep-alive connection repeating its Authorization header)', () => {
  it('recalls only the exact header remembered on the same connection', () => {
    const memo = new ConnectionMemo<string>();
    const a = {};
    const b = {};
    memo.remember(a, 'Bearer token-one', 'one');
    expect(memo.recall(a, 'Bearer token-one')).toBe('one');
    expect(memo.recall(b, 'Bearer token-one')).toBeUndefined(); // another connection
    expect(memo.recall(a, 'Bearer token-onf')).toBeUndefined(); // same length, one byte differs
    expect(memo.recall(a, 'Bearer token-one ')).toBeUndefined(); // longer
    expect(memo.recall(a, 'Bearer token-on')).toBeUndefined(); // shorter (a prefix)
    expect(memo.recall(a, '')).toBeUndefined();
    memo.remember(a, 'Bearer token-two', 'two'); // a connection remembers its last match only
    expect(memo.recall(a, 'Bearer token-one')).toBeUndefined();
    expect(memo.recall(a, 'Bearer token-two')).toBe('two');
  });

  it('compares bytes, not characters: headers are latin1 and a non-ASCII byte must match exactly', () => {
    const memo = new ConnectionMemo<string>();
    const conn = {};
    memo.remember(conn, 'Bearer caf\u00e9', 'x');
    expect(memo.recall(conn, 'Bearer caf\u00e9')).toBe('x');
    expect(memo.recall(conn, 'Bearer caf\u00e8')).toBeUndefined();
  });
});

describe('AuthPolicy with a connection', () => {
  const FILE: AuthFile = { tokens: [{ token: 'static-ro', id: 'dashboards', scopes: ['read'] }], certificates: [] };
  const policy = () => AuthPolicy.fromConfig(testConfig({ authConfigFile: '/auth.json' }), FILE);

  it('a repeated static bearer on the same connection resolves to the same identity; a wrong token never does', () => {
    const auth = policy();
    const conn = {};
    expect(auth.resolveStatic('Bearer static-ro', undefined, conn)).toEqual({ id: 'dashboards', scopes: ['read'] });
    expect(auth.resolveStatic('Bearer static-ro', undefined, conn)).toEqual({ id: 'dashboards', scopes: ['read'] });
    expect(auth.resolveStatic('Bearer static-rx', undefined, conn)).toBeUndefined();
    expect(auth.resolve('Bearer nope', undefined, conn)).toBeUndefined();
    // A miss does not evict the remembered match, and another connection starts from the token match.
    expect(auth.resolveStatic('Bearer static-ro', undefined, conn)).toEqual({ id: 'dashboards', scopes: ['read'] });
    expect(auth.resolveStatic('Bearer static-ro', undefined, {})).toEqual({ id: 'dashboards', scopes: ['read'] });
  });

  it('a header that matched no static token is not remembered', () => {
    const auth = policy();
    const conn = {};
    expect(auth.resolveStatic('Bearer unknown', undefined, conn)).toBeUndefined();
    expect(auth.resolveStatic('Bearer unknown', undefined, conn)).toBeUndefined();
  });
});

describe('PeerAuth with a connection', () => {
  it('a pooled peer connection repeating the peer token is admitted; a wrong token on it never is', async () => {
    const { PeerAuth } = await import('../../src/peer/peer-auth.js');
    const auth = PeerAuth.fromConfig({ distToken: 'peer-secret', authToken: undefined });
    const conn = {};
    expect(auth.authenticates('Bearer peer-secret', conn)).toBe(true);
    expect(auth.authenticates('Bearer peer-secret', conn)).toBe(true);
    expect(auth.authenticates('Bearer peer-secreT', conn)).toBe(false);
    expect(auth.authenticates('Bearer peer-secret ', conn)).toBe(false);
    expect(auth.authenticates(undefined, conn)).toBe(false);
    expect(auth.authenticates('Bearer peer-secret', {})).toBe(true);
  });
});
