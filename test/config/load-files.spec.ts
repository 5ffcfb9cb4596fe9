import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FatalConfigError } from '../../src/config/fatal-config.error.js';
import { loadApiTls, loadDistTls, loadFiles } from '../../src/config/load-files.js';

const dir = mkdtempSync(join(tmpdir(), 'hc-tls-'));
const file = (name: string): string => join(dir, name);
const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
};

beforeAll(() => {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test-ca', '-days', '2');
  openssl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=node-1');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '2');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'other.key');
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', 'rsa.key');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes256', '-pass', 'pass:pw', '-out', 'encrypted.key');
  writeFileSync(file('chain.crt'), Buffer.concat([readFileSync(file('leaf.crt')), readFileSync(file('ca.crt'))]));
  writeFileSync(file('garbage.pem'), 'not a pem file\n');
  writeFileSync(
    file('corrupt.crt'),
    '-----BEGIN CERTIFICATE-----\nAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n',
  );
  writeFileSync(file('bundle-with-corrupt.crt'), Buffer.concat([readFileSync(file('ca.crt')), readFileSync(file('corrupt.crt'))]));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fatalOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(FatalConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a fatal error');
}

describe('loadApiTls', () => {
  it('returns the PEM buffers of a matching pair', () => {
    const material = loadApiTls({ certFile: file('leaf.crt'), keyFile: file('leaf.key') });
    expect(material.cert.equals(readFileSync(file('leaf.crt')))).toBe(true);
    expect(material.key.equals(readFileSync(file('leaf.key')))).toBe(true);
    expect(material.clientCa).toBeUndefined();
  });

  it('accepts a chain file (leaf first) and a client CA bundle', () => {
    const material = loadApiTls({ certFile: file('chain.crt'), keyFile: file('leaf.key'), clientCaFile: file('ca.crt') });
    expect(material.cert.equals(readFileSync(file('chain.crt')))).toBe(true);
    expect(material.clientCa?.equals(readFileSync(file('ca.crt')))).toBe(true);
  });

  it.each<[string, () => { certFile: string; keyFile: string; clientCaFile?: string }, () => string]>([
    [
      'an unreadable certificate',
      () => ({ certFile: file('nope.crt'), keyFile: file('leaf.key') }),
      () => `HYPERCACHE_API_TLS_CERT: cannot read file ${JSON.stringify(file('nope.crt'))} (ENOENT)`,
    ],
    [
      'an unreadable key',
      () => ({ certFile: file('leaf.crt'), keyFile: dir }),
      () => `HYPERCACHE_API_TLS_KEY: cannot read file ${JSON.stringify(dir)} (EISDIR)`,
    ],
    [
      'a certificate file without a certificate',
      () => ({ certFile: file('leaf.key'), keyFile: file('leaf.key') }),
      () => `HYPERCACHE_API_TLS_CERT: file ${JSON.stringify(file('leaf.key'))} holds no PEM certificate`,
    ],
    [
      'a corrupt certificate',
      () => ({ certFile: file('corrupt.crt'), keyFile: file('leaf.key') }),
      () => `HYPERCACHE_API_TLS_CERT: file ${JSON.stringify(file('corrupt.crt'))}: PEM certificate #1 is invalid`,
    ],
    [
      'a key file holding a certificate',
      () => ({ certFile: file('leaf.crt'), keyFile: file('leaf.crt') }),
      () =>
        `HYPERCACHE_API_TLS_KEY: file ${JSON.stringify(file('leaf.crt'))} holds no usable PEM private key ` +
        '(unencrypted PKCS#8, PKCS#1 or SEC1)',
    ],
    [
      'an encrypted key',
      () => ({ certFile: file('leaf.crt'), keyFile: file('encrypted.key') }),
      () => `HYPERCACHE_API_TLS_KEY: file ${JSON.stringify(file('encrypted.key'))} holds no usable PEM private key`,
    ],
    [
      'a key of the same type that does not match',
      () => ({ certFile: file('leaf.crt'), keyFile: file('other.key') }),
      () =>
        `HYPERCACHE_API_TLS_KEY: the key in ${JSON.stringify(file('other.key'))} does not match the certificate in ` +
        `${JSON.stringify(file('leaf.crt'))} (HYPERCACHE_API_TLS_CERT)`,
    ],
    [
      'a key of another type',
      () => ({ certFile: file('leaf.crt'), keyFile: file('rsa.key') }),
      () => `HYPERCACHE_API_TLS_KEY: the key in ${JSON.stringify(file('rsa.key'))} does not match`,
    ],
    [
      'the CA key with the leaf certificate',
      () => ({ certFile: file('chain.crt'), keyFile: file('ca.key') }),
      () => `HYPERCACHE_API_TLS_KEY: the key in ${JSON.stringify(file('ca.key'))} does not match`,
    ],
    [
      'a client CA without a certificate',
      () => ({ certFile: file('leaf.crt'), keyFile: file('leaf.key'), clientCaFile: file('garbage.pem') }),
      () => `HYPERCACHE_API_TLS_CLIENT_CA: file ${JSON.stringify(file('garbage.pem'))} holds no PEM certificate`,
    ],
    [
      'a client CA bundle with a corrupt certificate',
      () => ({ certFile: file('leaf.crt'), keyFile: file('leaf.key'), clientCaFile: file('bundle-with-corrupt.crt') }),
      () => `HYPERCACHE_API_TLS_CLIENT_CA: file ${JSON.stringify(file('bundle-with-corrupt.crt'))}: PEM certificate #2 is invalid`,
    ],
    [
      'a missing client CA',
      () => ({ certFile: file('leaf.crt'), keyFile: file('leaf.key'), clientCaFile: file('nope.pem') }),
      () => `HYPERCACHE_API_TLS_CLIENT_CA: cannot read file ${JSON.stringify(file('nope.pem'))} (ENOENT)`,
    ],
  ])('rejects %s', (_case, files, expected) => {
    expect(fatalOf(() => loadApiTls(files())).startsWith(expected())).toBe(true);
  });

  it('never puts key material into a message', () => {
    const key = readFileSync(file('other.key'), 'utf8').split('\n')[1]!;
    expect(fatalOf(() => loadApiTls({ certFile: file('leaf.crt'), keyFile: file('other.key') }))).not.toContain(key);
  });
});

describe('loadDistTls', () => {
  it('returns certificate, key and CA', () => {
    const material = loadDistTls({ certFile: file('leaf.crt'), keyFile: file('leaf.key'), caFile: file('ca.crt') });
    expect(material.ca.equals(readFileSync(file('ca.crt')))).toBe(true);
    expect(material.key.equals(readFileSync(file('leaf.key')))).toBe(true);
  });

  it.each([
    [{ certFile: 'leaf.key', keyFile: 'leaf.key', caFile: 'ca.crt' }, 'HYPERCACHE_DIST_TLS_CERT: file'],
    [{ certFile: 'leaf.crt', keyFile: 'other.key', caFile: 'ca.crt' }, 'HYPERCACHE_DIST_TLS_KEY: the key in'],
    [{ certFile: 'leaf.crt', keyFile: 'garbage.pem', caFile: 'ca.crt' }, 'HYPERCACHE_DIST_TLS_KEY: file'],
    [{ certFile: 'leaf.crt', keyFile: 'leaf.key', caFile: 'garbage.pem' }, 'HYPERCACHE_DIST_TLS_CA: file'],
    [{ certFile: 'leaf.crt', keyFile: 'leaf.key', caFile: 'nope.pem' }, 'HYPERCACHE_DIST_TLS_CA: cannot read file'],
  ])('names the variable for %j', (names, prefix) => {
    const files = { certFile: file(names.certFile), keyFile: file(names.keyFile), caFile: file(names.caFile) };
    expect(fatalOf(() => loadDistTls(files)).startsWith(prefix)).toBe(true);
  });
});

describe('loadFiles', () => {
  it('loads nothing when nothing is configured', () => {
    expect(loadFiles({})).toEqual({ authPolicy: undefined, apiTls: undefined, distTls: undefined });
  });

  it('loads the auth config and both TLS pairs', () => {
    const authConfigFile = file('auth.json');
    writeFileSync(authConfigFile, JSON.stringify({ certificates: { 'node-1': { scopes: ['read'] } } }));
    const loaded = loadFiles({
      authConfigFile,
      apiTls: { certFile: file('leaf.crt'), keyFile: file('leaf.key'), clientCaFile: file('ca.crt') },
      distTls: { certFile: file('leaf.crt'), keyFile: file('leaf.key'), caFile: file('ca.crt') },
    });
    expect(loaded.authPolicy?.certificates).toEqual([{ cn: 'node-1', id: 'node-1', scopes: ['read'] }]);
    expect(loaded.apiTls?.clientCa).toBeDefined();
    expect(loaded.distTls?.ca).toBeDefined();
  });

  it('admits an empty auth policy when OIDC is configured', () => {
    const authConfigFile = file('empty.json');
    writeFileSync(authConfigFile, '{}');
    const oidc = { issuer: 'https://idp', audience: 'a', identityClaim: 'sub', scopeClaim: 'scope' };
    expect(fatalOf(() => loadFiles({ authConfigFile }))).toMatch(/no token and no certificate entry/);
    expect(loadFiles({ authConfigFile, oidc }).authPolicy).toEqual({ tokens: [], certificates: [] });
  });

  it('checks the auth config first, then the client API PEM files, then the dist ones', () => {
    const bad = {
      authConfigFile: file('missing.json'),
      apiTls: { certFile: file('garbage.pem'), keyFile: file('leaf.key') },
      distTls: { certFile: file('garbage.pem'), keyFile: file('leaf.key'), caFile: file('ca.crt') },
    };
    expect(fatalOf(() => loadFiles(bad))).toMatch(/^HYPERCACHE_AUTH_CONFIG:/);
    expect(fatalOf(() => loadFiles({ ...bad, authConfigFile: undefined }))).toMatch(/^HYPERCACHE_API_TLS_CERT:/);
    expect(fatalOf(() => loadFiles({ distTls: bad.distTls }))).toMatch(/^HYPERCACHE_DIST_TLS_CERT:/);
  });
});
