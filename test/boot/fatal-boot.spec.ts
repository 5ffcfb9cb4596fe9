import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeEnv, runToExit } from '../support/spawn-node.js';

const SECRET = 'Sup3r-Secret-Token';

/** The fatal line of a closed node without a peer credential (docs/configuration.md), for one auth source. */
const PEER_CREDENTIAL_MISSING = (source: string, why: string) =>
  `HYPERCACHE_DIST_TOKEN: not set while client auth is on (${source}) and the dist listener has no peer credential (${why}): ` +
  'set HYPERCACHE_DIST_TOKEN, or configure peer mTLS with HYPERCACHE_DIST_TLS_ALLOWED_NAMES, or set HYPERCACHE_DIST_INSECURE=true ' +
  'to serve the dist listener unauthenticated';
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every row of docs/configuration.md §4 (OIDC discovery is in test/auth/oidc-boot.spec.ts): exit 1 with one fatal line and no secret. */
describe('fatal boot errors (docs/configuration.md §4, I20)', () => {
  let dir: string;
  let busy: Server;
  let busyPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hc-boot-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'a.key', '-out', 'a.crt', '-subj', '/CN=a', '-days', '1');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'b.key', '-out', 'b.crt', '-subj', '/CN=b', '-days', '1');
    writeFileSync(join(dir, 'bad.json'), `{"tokens": {"${SECRET}": {"id": "x", "scopes": ["sudo"]}}}`);
    writeFileSync(join(dir, 'dup.json'), `{"tokens": {"${SECRET}": {"id": "x", "scopes": ["read"]}, "${SECRET}": {"id": "y", "scopes": ["read"]}}}`);
    writeFileSync(join(dir, 'notjson.json'), `{tokens: ${SECRET}`);
    writeFileSync(join(dir, 'ok.json'), `{"tokens": {"${SECRET}": {"id": "x", "scopes": ["read"]}}}`);
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => busy.close(r));
  });

  const f = (name: string) => join(dir, name);
  const distTls = () => ({ HYPERCACHE_DIST_TLS_CERT: f('a.crt'), HYPERCACHE_DIST_TLS_KEY: f('a.key'), HYPERCACHE_DIST_TLS_CA: f('a.crt') });
  const rows: Array<[string, () => Record<string, string>, RegExp]> = [
    ['bad variable syntax', () => ({ HYPERCACHE_REPLICATION: 'three' }), /^HYPERCACHE_REPLICATION: invalid value "three": expected an integer from 1 to 16$/],
    ['variable out of range', () => ({ HYPERCACHE_VNODES: '257' }), /^HYPERCACHE_VNODES: /],
    ['bad duration', () => ({ HYPERCACHE_HEARTBEAT: '5' }), /^HYPERCACHE_HEARTBEAT: /],
    ['bad secret syntax is redacted', () => ({ HYPERCACHE_AUTH_TOKEN: `${SECRET} with spaces` }), /^HYPERCACHE_AUTH_TOKEN: .*<redacted>/],
    ['AUTH_TOKEN and AUTH_CONFIG both set', () => ({ HYPERCACHE_AUTH_TOKEN: SECRET, HYPERCACHE_AUTH_CONFIG: f('ok.json') }), /HYPERCACHE_AUTH_CONFIG|HYPERCACHE_AUTH_TOKEN/],
    ['auth config missing', () => ({ HYPERCACHE_AUTH_CONFIG: f('missing.json') }), /^HYPERCACHE_AUTH_CONFIG: /],
    ['auth config not JSON', () => ({ HYPERCACHE_AUTH_CONFIG: f('notjson.json') }), /^HYPERCACHE_AUTH_CONFIG: /],
    ['auth config unknown scope', () => ({ HYPERCACHE_AUTH_CONFIG: f('bad.json') }), /^HYPERCACHE_AUTH_CONFIG: /],
    ['auth config duplicate token', () => ({ HYPERCACHE_AUTH_CONFIG: f('dup.json') }), /^HYPERCACHE_AUTH_CONFIG: /],
    ['OIDC issuer without audience', () => ({ HYPERCACHE_OIDC_ISSUER: 'https://idp.example.test' }), /HYPERCACHE_OIDC_(ISSUER|AUDIENCE)/],
    ['OIDC audience without issuer', () => ({ HYPERCACHE_OIDC_AUDIENCE: 'cache' }), /HYPERCACHE_OIDC_(ISSUER|AUDIENCE)/],
    ['API TLS cert without key', () => ({ HYPERCACHE_API_TLS_CERT: f('a.crt') }), /HYPERCACHE_API_TLS_(CERT|KEY)/],
    ['API TLS client CA without cert+key', () => ({ HYPERCACHE_API_TLS_CLIENT_CA: f('a.crt') }), /HYPERCACHE_API_TLS_CLIENT_CA/],
    ['TLS file unreadable', () => ({ HYPERCACHE_API_TLS_CERT: f('nope.crt'), HYPERCACHE_API_TLS_KEY: f('a.key') }), /^HYPERCACHE_API_TLS_CERT: /],
    ['TLS file holds no certificate', () => ({ HYPERCACHE_API_TLS_CERT: f('a.key'), HYPERCACHE_API_TLS_KEY: f('a.key') }), /^HYPERCACHE_API_TLS_CERT: /],
    ['TLS key does not match certificate', () => ({ HYPERCACHE_API_TLS_CERT: f('a.crt'), HYPERCACHE_API_TLS_KEY: f('b.key') }), /^HYPERCACHE_API_TLS_KEY: .*does not match/],
    ['dist TLS partly set', () => ({ HYPERCACHE_DIST_TLS_CERT: f('a.crt'), HYPERCACHE_DIST_TLS_KEY: f('a.key') }), /HYPERCACHE_DIST_TLS/],
    [
      'closed node (auth config) without a peer credential',
      () => ({ HYPERCACHE_AUTH_CONFIG: f('ok.json') }),
      new RegExp(`^${escape(PEER_CREDENTIAL_MISSING('HYPERCACHE_AUTH_CONFIG', 'no peer token and no peer mTLS'))}$`),
    ],
    [
      'closed node with peer mTLS but no allowed names',
      () => ({ HYPERCACHE_AUTH_CONFIG: f('ok.json'), ...distTls() }),
      new RegExp(`^${escape(PEER_CREDENTIAL_MISSING('HYPERCACHE_AUTH_CONFIG', 'peer mTLS without HYPERCACHE_DIST_TLS_ALLOWED_NAMES admits any certificate of HYPERCACHE_DIST_TLS_CA'))}$`),
    ],
    [
      'closed node: a bad auth config file is reported before the peer credential',
      () => ({ HYPERCACHE_AUTH_CONFIG: f('bad.json') }),
      /^HYPERCACHE_AUTH_CONFIG: /,
    ],
    [
      'allowed peer names without dist TLS',
      () => ({ HYPERCACHE_DIST_TLS_ALLOWED_NAMES: '*.peers.test' }),
      /^HYPERCACHE_DIST_TLS_ALLOWED_NAMES is set without HYPERCACHE_DIST_TLS_CERT, HYPERCACHE_DIST_TLS_KEY and HYPERCACHE_DIST_TLS_CA: /,
    ],
    [
      'allowed peer names with an invalid entry',
      () => ({ ...distTls(), HYPERCACHE_DIST_TLS_ALLOWED_NAMES: 'node-a.peers.test,*.*.peers.test' }),
      /^HYPERCACHE_DIST_TLS_ALLOWED_NAMES: invalid value "node-a\.peers\.test,\*\.\*\.peers\.test": expected comma-separated DNS names, .*entry "\*\.\*\.peers\.test" is not a DNS name or a \*\. wildcard of one$/,
    ],
    ['DIST_INSECURE not a boolean', () => ({ HYPERCACHE_DIST_INSECURE: 'yes' }), /^HYPERCACHE_DIST_INSECURE: invalid value "yes": expected true or false$/],
    ['TOMBSTONE_TTL not above HINT_TTL', () => ({ HYPERCACHE_TOMBSTONE_TTL: '30s', HYPERCACHE_HINT_TTL: '30s' }), /HYPERCACHE_TOMBSTONE_TTL/],
    ['TOMBSTONE_TTL under 2 × MERKLE_INTERVAL', () => ({ HYPERCACHE_TOMBSTONE_TTL: '1m', HYPERCACHE_MERKLE_INTERVAL: '31s' }), /HYPERCACHE_TOMBSTONE_TTL/],
    ['MAX_MEMORY under MAX_VALUE_BYTES + 1 KiB', () => ({ HYPERCACHE_MAX_MEMORY: '1MiB', HYPERCACHE_MAX_VALUE_BYTES: '1MiB' }), /HYPERCACHE_MAX_MEMORY/],
    ['HINT_MAX_BYTES under MAX_VALUE_BYTES + 1 KiB', () => ({ HYPERCACHE_HINT_MAX_BYTES: '4MiB' }), /HYPERCACHE_HINT_MAX_BYTES/],
    ['dist listener bind fails', () => ({ HYPERCACHE_DIST_ADDR: `127.0.0.1:${busyPort}` }), /^HYPERCACHE_DIST_ADDR: cannot bind .*address already in use/],
    ['management listener bind fails', () => ({ HYPERCACHE_MGMT_ADDR: `127.0.0.1:${busyPort}` }), /^HYPERCACHE_MGMT_ADDR: cannot bind .*address already in use/],
    ['client listener bind fails', () => ({ HYPERCACHE_API_ADDR: `127.0.0.1:${busyPort}` }), /^HYPERCACHE_API_ADDR: cannot bind .*address already in use/],
    ['unresolvable listener host', () => ({ HYPERCACHE_MGMT_ADDR: 'no-such-host.invalid:0' }), /^HYPERCACHE_MGMT_ADDR: cannot bind/],
  ];

  it.each(rows)('%s → exit 1, one fatal line, no secret', async (_name, env, pattern) => {
    const r = await runToExit(await nodeEnv(env()));
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hypercache-server: fatal: /);
    expect(lines[0]!.slice('hypercache-server: fatal: '.length)).toMatch(pattern);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });
});
