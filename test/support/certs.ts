import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM certificate and its unencrypted key, as buffers and as files (for HYPERCACHE_*_TLS_* variables). */
export interface Pem {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
}

export interface CertFixtures {
  dir: string;
  ca: Pem;
  /** A second, unrelated CA: its certificates must never be accepted. */
  otherCa: Pem;
  /** CN hypercache-server, SAN localhost + 127.0.0.1; server and client use (also the peer certificate). */
  server: Pem;
  /** CN billing.internal (configured in the auth file of the tests). */
  billing: Pem;
  /** CN backup-job (configured read-only in the auth file of the tests). */
  backup: Pem;
  /** CN unknown-cn (verified, but configured nowhere). */
  unknownCn: Pem;
  /** CN billing.internal, but signed by the other CA. */
  foreign: Pem;
  /** Signed by the CA, server and client use, SAN elsewhere.internal only: wrong host for 127.0.0.1. */
  wrongHost: Pem;
  /** Peer certificates named for `HYPERCACHE_DIST_TLS_ALLOWED_NAMES=*.peers.test`: SAN DNS:node-<x>.peers.test + IP:127.0.0.1, server and client use. */
  peerA: Pem;
  peerB: Pem;
  /** CN reader, no SAN, client use: a read-only client certificate issued by the same CA as the peers. */
  reader: Pem;
  remove(): void;
}

const openssl = (cwd: string, args: string[]) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

function pem(dir: string, name: string): Pem {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
}

function newCa(dir: string, name: string): Pem {
  openssl(dir, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return pem(dir, name);
}

function newLeaf(dir: string, name: string, cn: string, ca: string, opts: { san?: string; server?: boolean } = {}): Pem {
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${opts.server ? 'serverAuth,clientAuth' : 'clientAuth'}`,
    ...(opts.san ? [`subjectAltName=${opts.san}`] : []),
  ];
  writeFileSync(join(dir, `${name}.ext`), `${ext.join('\n')}\n`);
  openssl(dir, [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`,
  ]);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`,
  ]);
  return pem(dir, name);
}

/** Generates every certificate the TLS tests need into a fresh temporary directory (EC P-256, 2 days). */
export function generateCerts(): CertFixtures {
  const dir = mkdtempSync(join(tmpdir(), 'hypercache-certs-'));
  const ca = newCa(dir, 'ca');
  const otherCa = newCa(dir, 'other-ca');
  return {
    dir,
    ca,
    otherCa,
    server: newLeaf(dir, 'server', 'hypercache-server', 'ca', { san: 'DNS:localhost,IP:127.0.0.1', server: true }),
    billing: newLeaf(dir, 'billing', 'billing.internal', 'ca'),
    backup: newLeaf(dir, 'backup', 'backup-job', 'ca'),
    unknownCn: newLeaf(dir, 'unknown-cn', 'unknown-cn', 'ca'),
    foreign: newLeaf(dir, 'foreign', 'billing.internal', 'other-ca'),
    wrongHost: newLeaf(dir, 'wrong-host', 'elsewhere', 'ca', { san: 'DNS:elsewhere.internal', server: true }),
    peerA: newLeaf(dir, 'peer-a', 'node-a.peers.test', 'ca', { san: 'DNS:node-a.peers.test,IP:127.0.0.1', server: true }),
    peerB: newLeaf(dir, 'peer-b', 'node-b.peers.test', 'ca', { san: 'DNS:node-b.peers.test,IP:127.0.0.1', server: true }),
    reader: newLeaf(dir, 'reader', 'reader', 'ca'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
