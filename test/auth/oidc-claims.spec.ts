import { describe, expect, it } from 'vitest';
import { identityFromClaims, scopesFromClaim } from '../../src/auth/oidc/claims.js';

const NAMES = { identityClaim: 'sub', scopeClaim: 'scope' };

describe('OIDC claim mapping (docs/auth.md §5)', () => {
  describe('scopes', () => {
    it.each<[string, unknown, string[]]>([
      ['space-separated string', 'read write admin', ['read', 'write', 'admin']],
      ['claim order is kept', 'admin read', ['admin', 'read']],
      ['any whitespace separates', ' read\twrite\n admin ', ['read', 'write', 'admin']],
      ['unknown values are dropped', 'openid email read cache:read profile write', ['read', 'write']],
      ['exact match only', 'READ Write read: cache.read', []],
      ['duplicates kept once, first position', 'write read write', ['write', 'read']],
      ['array of strings', ['read', 'admin'], ['read', 'admin']],
      ['array: non-strings ignored', [1, 'write', null, { read: true }, ['read'], 'read'], ['write', 'read']],
      ['array elements are not split', ['read write'], []],
      ['empty string', '', []],
      ['number', 7, []],
      ['object', { read: true }, []],
      ['boolean', true, []],
      ['null', null, []],
      ['missing', undefined, []],
    ])('%s', (_name, value, expected) => {
      expect(scopesFromClaim(value)).toEqual(expected);
    });
  });

  describe('identity', () => {
    it('identity ID from the identity claim, scopes from the scope claim', () => {
      expect(identityFromClaims({ sub: 'svc-a', scope: 'read' }, NAMES)).toEqual({ id: 'svc-a', scopes: ['read'] });
    });

    it('configured claim names are used instead of sub/scope', () => {
      const claims = { sub: 'ignored', email: 'ops@example.test', scope: 'admin', roles: ['write'] };
      expect(identityFromClaims(claims, { identityClaim: 'email', scopeClaim: 'roles' })).toEqual({ id: 'ops@example.test', scopes: ['write'] });
    });

    it.each<[string, unknown]>([
      ['missing', undefined],
      ['empty string', ''],
      ['number', 42],
      ['array', ['a']],
      ['object', { id: 'a' }],
      ['null', null],
    ])('identity claim %s → not an identity', (_name, sub) => {
      const claims: Record<string, unknown> = { scope: 'read' };
      if (sub !== undefined) claims.sub = sub;
      expect(identityFromClaims(claims, NAMES)).toBeUndefined();
    });

    it('an identity with no usable scope is still an identity (403, not 401)', () => {
      expect(identityFromClaims({ sub: 'x', scope: 'openid email' }, NAMES)).toEqual({ id: 'x', scopes: [] });
      expect(identityFromClaims({ sub: 'x' }, NAMES)).toEqual({ id: 'x', scopes: [] });
    });

    it('claim names never reach inherited properties', () => {
      expect(identityFromClaims({ scope: 'read' }, { identityClaim: 'constructor', scopeClaim: 'scope' })).toBeUndefined();
      expect(identityFromClaims({ sub: 'x' }, { identityClaim: 'sub', scopeClaim: 'toString' })).toEqual({ id: 'x', scopes: [] });
    });
  });
});
