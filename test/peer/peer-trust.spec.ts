import { describe, expect, it } from 'vitest';
import type { HypercacheConfig } from '../../src/config/config.types.js';
import { checkPeerCredential, distListenerInsecure, hasPeerCredential } from '../../src/peer/peer-trust.js';

/** The boot rule of docs/auth.md §6.1, every combination of client auth and peer credential. */
const tls = { certFile: '/c', keyFile: '/k', caFile: '/ca' };
const oidc = { issuer: 'https://idp.example.com', audience: 'cache', identityClaim: 'sub', scopeClaim: 'scope' };
type Trust = Partial<Pick<HypercacheConfig, 'authToken' | 'authConfigFile' | 'oidc' | 'distToken' | 'distTls' | 'distInsecure'>>;

describe('peer credential of a closed node', () => {
  it.each<[string, Trust, boolean, 'boots' | 'fatal' | 'insecure']>([
    ['open, nothing', {}, false, 'boots'],
    ['open, peer mTLS without names', { distTls: tls }, false, 'boots'],
    ['AUTH_TOKEN (also the peer token)', { authToken: 't' }, true, 'boots'],
    ['auth file + DIST_TOKEN', { authConfigFile: '/a.json', distToken: 'p' }, true, 'boots'],
    ['OIDC + peer mTLS with names', { oidc, distTls: { ...tls, allowedNames: ['*.peers.test'] } }, true, 'boots'],
    ['auth file, nothing', { authConfigFile: '/a.json' }, false, 'fatal'],
    ['OIDC, nothing', { oidc }, false, 'fatal'],
    ['auth file + peer mTLS without names', { authConfigFile: '/a.json', distTls: tls }, false, 'fatal'],
    ['auth file + peer mTLS with an empty list', { authConfigFile: '/a.json', distTls: { ...tls, allowedNames: [] } }, false, 'fatal'],
    ['auth file + DIST_INSECURE', { authConfigFile: '/a.json', distInsecure: true }, false, 'insecure'],
  ])('%s', (_name, config, credential, outcome) => {
    expect(hasPeerCredential(config)).toBe(credential);
    expect(distListenerInsecure(config)).toBe(outcome !== 'boots');
    if (outcome === 'fatal') expect(() => checkPeerCredential(config)).toThrow(/^HYPERCACHE_DIST_TOKEN: not set while client auth is on/);
    else expect(() => checkPeerCredential(config)).not.toThrow();
  });

  it('names every variable that closed the node', () => {
    expect(() => checkPeerCredential({ authConfigFile: '/a.json', oidc })).toThrow('(HYPERCACHE_AUTH_CONFIG, HYPERCACHE_OIDC_ISSUER)');
  });
});
