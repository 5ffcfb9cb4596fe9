import { describe, expect, it } from 'vitest';
import { allowedAlgorithms, checkDiscoveryDocument } from '../../src/auth/oidc/discovery-document.js';

const ISSUER = 'https://idp.example.test/realms/cache';
const DOC = { issuer: ISSUER, jwks_uri: `${ISSUER}/certs` };
const secure = { insecure: false };

describe('discovery document checks (docs/auth.md §5)', () => {
  it('keeps issuer, jwks_uri and the allowed algorithms', () => {
    expect(checkDiscoveryDocument({ ...DOC, id_token_signing_alg_values_supported: ['RS256', 'ES256'] }, ISSUER, secure)).toEqual({
      ok: true,
      issuer: { issuer: ISSUER, jwksUri: `${ISSUER}/certs`, algorithms: ['RS256', 'ES256'] },
    });
  });

  it.each<[string, unknown, string, RegExp]>([
    ['not an object', [DOC], ISSUER, /^invalid document: not a JSON object$/],
    ['null', null, ISSUER, /^invalid document/],
    ['issuer missing', { jwks_uri: DOC.jwks_uri }, ISSUER, /^invalid document: "issuer"/],
    ['issuer not a string', { ...DOC, issuer: 1 }, ISSUER, /^invalid document: "issuer"/],
    ['issuer differs', { ...DOC, issuer: 'https://other.test' }, ISSUER, /^issuer mismatch: the document names "https:\/\/other.test"$/],
    ['issuer differs by a trailing slash', DOC, `${ISSUER}/`, /^issuer mismatch/],
    ['issuer differs by case', DOC, ISSUER.toUpperCase(), /^issuer mismatch/],
    ['issuer differs by an explicit default port', DOC, 'https://idp.example.test:443/realms/cache', /^issuer mismatch/],
    ['no jwks_uri', { issuer: ISSUER }, ISSUER, /^no jwks_uri in the document$/],
    ['jwks_uri not a URL', { ...DOC, jwks_uri: 'certs' }, ISSUER, /^invalid document: jwks_uri "certs" is not an absolute https URL$/],
    ['jwks_uri over http for an https issuer', { ...DOC, jwks_uri: 'http://idp.example.test/certs' }, ISSUER, /jwks_uri .* not an absolute https URL/],
    ['jwks_uri not a string', { ...DOC, jwks_uri: 5 }, ISSUER, /^invalid document: jwks_uri/],
    ['only HS256 listed', { ...DOC, id_token_signing_alg_values_supported: ['HS256'] }, ISSUER, /lists no asymmetric algorithm \(\["HS256"\]\)$/],
    ['only none listed', { ...DOC, id_token_signing_alg_values_supported: ['none'] }, ISSUER, /lists no asymmetric algorithm/],
    ['empty list', { ...DOC, id_token_signing_alg_values_supported: [] }, ISSUER, /lists no asymmetric algorithm/],
    ['algorithm list not an array', { ...DOC, id_token_signing_alg_values_supported: 'RS256' }, ISSUER, /^invalid document: id_token_signing_alg_values_supported/],
  ])('%s → failure', (_name, doc, issuer, reason) => {
    const r = checkDiscoveryDocument(doc, issuer, secure);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('an http issuer (insecure, tests only) may publish an http jwks_uri', () => {
    const doc = { issuer: 'http://127.0.0.1:9000', jwks_uri: 'http://127.0.0.1:9000/jwks' };
    expect(checkDiscoveryDocument(doc, doc.issuer, { insecure: true }).ok).toBe(true);
    expect(checkDiscoveryDocument({ ...doc, jwks_uri: 'file:///etc/jwks' }, doc.issuer, { insecure: true }).ok).toBe(false);
  });

  describe('allowed algorithms', () => {
    it('absent list → RS256 only', () => {
      expect(allowedAlgorithms(undefined)).toEqual(['RS256']);
    });

    it('keeps the asymmetric ones in document order, drops none/HS*/unknown, once each', () => {
      expect(allowedAlgorithms(['HS256', 'ES384', 'none', 'EdDSA', 'RS256', 'PS512', 'HS512', 'ES384', 'Ed25519', 'RSA-OAEP'])).toEqual([
        'ES384', 'EdDSA', 'RS256', 'PS512',
      ]);
    });

    it.each(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])('%s is allowed', (alg) => {
      expect(allowedAlgorithms([alg])).toEqual([alg]);
    });

    it.each(['HS256', 'HS384', 'HS512', 'none', 'rs256'])('%s alone is fatal', (alg) => {
      expect(typeof allowedAlgorithms([alg])).toBe('string');
    });

    it('a list holding a non-string is an invalid document', () => {
      expect(allowedAlgorithms(['RS256', 7])).toMatch(/^invalid document/);
    });
  });
});
