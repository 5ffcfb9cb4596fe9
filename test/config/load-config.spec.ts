import { describe, expect, it } from 'vitest';
import { ENV_VARS, type EnvVar } from '../../src/config/env.schema.js';
import { FatalConfigError } from '../../src/config/fatal-config.error.js';
import { loadConfig } from '../../src/config/load-config.js';

type Env = Partial<Record<string, string>>;

const HOSTNAME = 'node-a';
const TOKEN = 'S3cr3t-T0ken_value';
const DIST_TOKEN = 'P33r-S3cr3t_value';

/** The FatalConfigError message loadConfig throws, or undefined when the environment is accepted. */
function errorOf(env: Env, hostname = HOSTNAME): string | undefined {
  try {
    loadConfig(env, hostname);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(FatalConfigError);
    return (err as FatalConfigError).message;
  }
}

describe('loadConfig defaults', () => {
  it('fills every default of docs/configuration.md §1', () => {
    const config = loadConfig({}, HOSTNAME);
    expect(config).toMatchObject({
      nodeId: 'node-a',
      apiAddr: { host: '', port: 8080, raw: ':8080' },
      mgmtAddr: { host: '', port: 8081, raw: ':8081' },
      distAddr: { host: '', port: 7946, raw: ':7946' },
      advertiseAddr: 'node-a:7946',
      advertiseFromHostname: true,
      seeds: [],
      replication: 3,
      capacity: 100_000,
      maxMemory: 0,
      eviction: 'lru',
      maxValueBytes: 4 * 1024 * 1024,
      logLevel: 'info',
      logFormat: 'json',
      heartbeatMs: 1000,
      indirectProbeK: 2,
      gossipIntervalMs: 1000,
      vnodes: 64,
      readConsistency: 'one',
      writeConsistency: 'quorum',
      hintTtlMs: 30_000,
      hintReplayMs: 200,
      hintMaxPerNode: 10_000,
      hintMaxBytes: 64 * 1024 * 1024,
      rebalanceIntervalMs: 250,
      merkleIntervalMs: 10_000,
      tombstoneTtlMs: 600_000,
      shutdownTimeoutMs: 30_000,
      oidcInsecure: false,
      unknownVars: [],
    });
    for (const absent of ['apiTls', 'authToken', 'authConfigFile', 'oidc', 'distToken', 'distTls'] as const) {
      expect(config[absent]).toBeUndefined();
    }
  });

  it('renders every docs/configuration.md §1 variable in effectiveEnv (docs/api.md §2.3)', () => {
    expect(loadConfig({}, HOSTNAME).effectiveEnv).toEqual({
      HYPERCACHE_NODE_ID: 'node-a',
      HYPERCACHE_API_ADDR: ':8080',
      HYPERCACHE_MGMT_ADDR: ':8081',
      HYPERCACHE_DIST_ADDR: ':7946',
      HYPERCACHE_DIST_ADVERTISE_ADDR: 'node-a:7946',
      HYPERCACHE_SEEDS: '',
      HYPERCACHE_REPLICATION: '3',
      HYPERCACHE_CAPACITY: '100000',
      HYPERCACHE_MAX_MEMORY: '0',
      HYPERCACHE_EVICTION: 'lru',
      HYPERCACHE_MAX_VALUE_BYTES: '4194304',
      HYPERCACHE_LOG_LEVEL: 'info',
      HYPERCACHE_LOG_FORMAT: 'json',
      HYPERCACHE_HEARTBEAT: '1s',
      HYPERCACHE_INDIRECT_PROBE_K: '2',
      HYPERCACHE_GOSSIP_INTERVAL: '1s',
      HYPERCACHE_VNODES: '64',
      HYPERCACHE_READ_CONSISTENCY: 'one',
      HYPERCACHE_WRITE_CONSISTENCY: 'quorum',
      HYPERCACHE_HINT_TTL: '30s',
      HYPERCACHE_HINT_REPLAY: '200ms',
      HYPERCACHE_HINT_MAX_PER_NODE: '10000',
      HYPERCACHE_HINT_MAX_BYTES: '67108864',
      HYPERCACHE_REBALANCE_INTERVAL: '250ms',
      HYPERCACHE_MERKLE_INTERVAL: '10s',
      HYPERCACHE_TOMBSTONE_TTL: '10m0s',
      HYPERCACHE_SHUTDOWN_TIMEOUT: '30s',
      HYPERCACHE_API_TLS_CERT: '',
      HYPERCACHE_API_TLS_KEY: '',
      HYPERCACHE_API_TLS_CLIENT_CA: '',
      HYPERCACHE_AUTH_TOKEN: '',
      HYPERCACHE_AUTH_CONFIG: '',
      HYPERCACHE_OIDC_ISSUER: '',
      HYPERCACHE_OIDC_AUDIENCE: '',
      HYPERCACHE_OIDC_IDENTITY_CLAIM: 'sub',
      HYPERCACHE_OIDC_SCOPE_CLAIM: 'scope',
      HYPERCACHE_DIST_TOKEN: '',
      HYPERCACHE_DIST_TLS_CERT: '',
      HYPERCACHE_DIST_TLS_KEY: '',
      HYPERCACHE_DIST_TLS_CA: '',
      HYPERCACHE_DIST_TLS_ALLOWED_NAMES: '',
      HYPERCACHE_DIST_INSECURE: 'false',
      HYPERCACHE_API_ADVERTISE_ADDR: 'node-a:8080',
    });
  });

  it('lists the 43 variables of docs/configuration.md §1', () => {
    expect(ENV_VARS).toHaveLength(43);
    expect(Object.keys(loadConfig({}, HOSTNAME).effectiveEnv)).toEqual([...ENV_VARS]);
  });

  it('treats an empty value as unset', () => {
    const env = Object.fromEntries(ENV_VARS.map((name) => [name, '']));
    const config = loadConfig(env, HOSTNAME);
    expect(config.effectiveEnv).toEqual(loadConfig({}, HOSTNAME).effectiveEnv);
    expect(config.authToken).toBeUndefined();
  });

  it('ignores variables outside the HYPERCACHE_ prefix', () => {
    expect(loadConfig({ PATH: '/bin', hypercache_replication: 'x' }, HOSTNAME).unknownVars).toEqual([]);
  });
});

describe('loadConfig: node ID', () => {
  it('uses HYPERCACHE_NODE_ID over the hostname', () => {
    expect(loadConfig({ HYPERCACHE_NODE_ID: 'node-7' }, 'host').nodeId).toBe('node-7');
  });

  it.each(['bad host', 'host_with!', '', '-leading', `h${'x'.repeat(253)}`])(
    'asks for HYPERCACHE_NODE_ID when the hostname %j fails the pattern',
    (hostname) => {
      const message = errorOf({}, hostname);
      expect(message).toMatch(/^HYPERCACHE_NODE_ID: not set, and the OS hostname .* is not a valid node ID/);
      expect(message).toMatch(/set HYPERCACHE_NODE_ID$/);
    },
  );

  it('does not need a valid hostname when the ID and the advertised address are set', () => {
    const config = loadConfig({ HYPERCACHE_NODE_ID: 'n1', HYPERCACHE_DIST_ADVERTISE_ADDR: 'n1.svc:7946' }, 'bad host');
    expect(config.nodeId).toBe('n1');
    expect(config.advertiseAddr).toBe('n1.svc:7946');
  });
});

describe('loadConfig: advertised address', () => {
  it.each([
    [{}, 'node-a:7946', true],
    [{ HYPERCACHE_DIST_ADDR: ':7000' }, 'node-a:7000', true],
    [{ HYPERCACHE_DIST_ADDR: '0.0.0.0:7000' }, 'node-a:7000', true],
    [{ HYPERCACHE_DIST_ADDR: '[::]:7000' }, 'node-a:7000', true],
    [{ HYPERCACHE_DIST_ADDR: '10.0.0.5:7000' }, '10.0.0.5:7000', false],
    [{ HYPERCACHE_DIST_ADDR: '[fd00::5]:7000' }, '[fd00::5]:7000', false],
    [{ HYPERCACHE_DIST_ADDR: ':7000', HYPERCACHE_DIST_ADVERTISE_ADDR: 'pod-0.svc:7946' }, 'pod-0.svc:7946', false],
  ] as const)('%j → %s (from hostname: %s)', (env, addr, fromHostname) => {
    const config = loadConfig(env, HOSTNAME);
    expect(config.advertiseAddr).toBe(addr);
    expect(config.advertiseFromHostname).toBe(fromHostname);
    expect(config.effectiveEnv.HYPERCACHE_DIST_ADVERTISE_ADDR).toBe(addr);
  });

  it('asks for HYPERCACHE_DIST_ADVERTISE_ADDR when the hostname gives no address', () => {
    expect(errorOf({ HYPERCACHE_NODE_ID: 'n1' }, 'bad host')).toBe(
      'HYPERCACHE_DIST_ADVERTISE_ADDR: not set, and the OS hostname "bad host" gives no valid address: ' +
        'set HYPERCACHE_DIST_ADVERTISE_ADDR',
    );
  });
});

describe('loadConfig: advertised client API address', () => {
  it.each([
    [{}, 'node-a:8080'],
    [{ HYPERCACHE_API_ADDR: '127.0.0.1:9000' }, '127.0.0.1:9000'],
    [{ HYPERCACHE_API_ADDR: '0.0.0.0:9000', HYPERCACHE_DIST_ADDR: '10.0.0.5:7000' }, '10.0.0.5:9000'],
    [{ HYPERCACHE_API_ADDR: '[::]:9000', HYPERCACHE_DIST_ADVERTISE_ADDR: '[fd00::5]:7946' }, '[fd00::5]:9000'],
    [{ HYPERCACHE_API_ADDR: ':9000', HYPERCACHE_API_ADVERTISE_ADDR: 'pod-0.svc:443' }, 'pod-0.svc:443'],
  ] as const)('%j → %s', (env, addr) => {
    const config = loadConfig(env, HOSTNAME);
    expect(config.apiAdvertiseAddr).toBe(addr);
    expect(config.effectiveEnv.HYPERCACHE_API_ADVERTISE_ADDR).toBe(addr);
  });

  it('leaves it to the bound port when the API port is ephemeral', () => {
    const config = loadConfig({ HYPERCACHE_API_ADDR: ':0' }, HOSTNAME);
    expect(config.apiAdvertiseAddr).toBeUndefined();
    expect(config.effectiveEnv.HYPERCACHE_API_ADVERTISE_ADDR).toBe('');
  });
});

describe('loadConfig: seeds', () => {
  it('parses the list and skips self by ID and by advertised address', () => {
    const config = loadConfig(
      {
        HYPERCACHE_NODE_ID: 'n1',
        HYPERCACHE_DIST_ADVERTISE_ADDR: 'n1.svc:7946',
        HYPERCACHE_SEEDS: ' n1@10.0.0.1:7946, n2@n2.svc:7946 ,,n1.svc:7946, n3.svc:7946,dns+hc.svc:7946 ',
      },
      HOSTNAME,
    );
    expect(config.seeds).toEqual([
      { kind: 'id', id: 'n2', host: 'n2.svc', port: 7946, raw: 'n2@n2.svc:7946' },
      { kind: 'addr', host: 'n3.svc', port: 7946, raw: 'n3.svc:7946' },
      { kind: 'dns', host: 'hc.svc', port: 7946, raw: 'dns+hc.svc:7946' },
    ]);
    expect(config.effectiveEnv.HYPERCACHE_SEEDS).toBe(
      'n1@10.0.0.1:7946,n2@n2.svc:7946,n1.svc:7946,n3.svc:7946,dns+hc.svc:7946',
    );
  });

  it('excludes the address derived from the hostname too', () => {
    const config = loadConfig({ HYPERCACHE_SEEDS: 'node-a:7946,node-b:7946' }, HOSTNAME);
    expect(config.seeds.map((seed) => seed.raw)).toEqual(['node-b:7946']);
  });

  it('names the bad entry', () => {
    expect(errorOf({ HYPERCACHE_SEEDS: 'n2@h:1,oops' })).toBe(
      'HYPERCACHE_SEEDS: invalid value "n2@h:1,oops": expected comma-separated id@host:port, host:port or ' +
        'dns+host:port entries; entry "oops": missing ":port"',
    );
  });
});

/**
 * Range and syntax of each variable: values just inside are accepted (the variable itself is never the one
 * reported) and values just outside are reported as `<VAR>: invalid value ...`. `base` satisfies cross-checks.
 */
const RANGES: Array<{ name: EnvVar; inside: string[]; outside: string[]; base?: Env }> = [
  {
    name: 'HYPERCACHE_NODE_ID',
    inside: ['a', '0', 'A.b_c-9', 'a'.repeat(253)],
    outside: ['a'.repeat(254), '-a', '.a', '_a', 'a b', 'a/b', 'a@b', 'é'],
  },
  {
    name: 'HYPERCACHE_API_ADDR',
    inside: [':0', ':65535', '127.0.0.1:8080', '[::1]:8080', 'localhost:1'],
    outside: [':65536', '8080', 'localhost', ':', '::1:8080', '[::1', 'a..b:1', ' :8080'],
  },
  { name: 'HYPERCACHE_MGMT_ADDR', inside: [':0', ':65535', '0.0.0.0:9'], outside: [':65536', 'x', ':-1'] },
  { name: 'HYPERCACHE_DIST_ADDR', inside: [':1', ':65535', 'node-1:7946'], outside: [':0', ':65536', 'n:'] },
  {
    name: 'HYPERCACHE_DIST_ADVERTISE_ADDR',
    inside: ['node-1:1', '10.0.0.1:65535', '[fd00::1]:7946'],
    outside: [':7946', '0.0.0.0:7946', '[::]:7946', 'node-1:0', 'node-1:65536', 'node-1'],
  },
  {
    name: 'HYPERCACHE_API_ADVERTISE_ADDR',
    inside: ['node-1:1', '10.0.0.1:65535', '[fd00::1]:8080', 'cache.example.com:443'],
    outside: [':8080', '0.0.0.0:8080', '[::]:8080', 'node-1:0', 'node-1:65536', 'node-1', 'http://node-1:8080'],
  },
  {
    name: 'HYPERCACHE_SEEDS',
    inside: ['n2@h:1', 'h:65535', 'dns+h:7946', ',,', ' h:1 , n@h:2 '],
    outside: ['h', 'h:0', '@h:1', 'dns+h', 'h:1;h:2'],
  },
  { name: 'HYPERCACHE_REPLICATION', inside: ['1', '16', '03'], outside: ['0', '17', 'three', '-1', '+3', ' 3', '3.0', '1e1'] },
  { name: 'HYPERCACHE_CAPACITY', inside: ['0', '1000000000'], outside: ['1000000001', '-1', '1k'] },
  {
    name: 'HYPERCACHE_MAX_MEMORY',
    inside: ['0', '4195328', '5MiB', '1gib'],
    outside: ['4195327', '1MiB', '1.5MiB', '1 MiB', '1MB', '-1'],
  },
  { name: 'HYPERCACHE_EVICTION', inside: ['lru', 'lfu'], outside: ['LRU', 'fifo'] },
  {
    name: 'HYPERCACHE_MAX_VALUE_BYTES',
    inside: ['1KiB', '1024', '64MiB', '67108864'],
    outside: ['1023', '67108865', '0', '64.5MiB', '65MiB'],
    base: { HYPERCACHE_HINT_MAX_BYTES: '1GiB' },
  },
  { name: 'HYPERCACHE_LOG_LEVEL', inside: ['debug', 'INFO', 'Warn', 'error'], outside: ['trace', 'fatal', 'warning'] },
  { name: 'HYPERCACHE_LOG_FORMAT', inside: ['json', 'pretty'], outside: ['JSON', 'text'] },
  {
    name: 'HYPERCACHE_HEARTBEAT',
    inside: ['10ms', '1h', '10000us', '0.01s', '60m'],
    outside: ['9ms', '9999us', '1h0m0.001s', '0', '-1s', '1', '1x', '1d'],
  },
  { name: 'HYPERCACHE_INDIRECT_PROBE_K', inside: ['0', '10'], outside: ['11', '-1'] },
  { name: 'HYPERCACHE_GOSSIP_INTERVAL', inside: ['10ms', '1h'], outside: ['9ms', '61m'] },
  { name: 'HYPERCACHE_VNODES', inside: ['1', '256'], outside: ['0', '257'] },
  { name: 'HYPERCACHE_READ_CONSISTENCY', inside: ['one', 'QUORUM', 'All'], outside: ['two', 'majority'] },
  { name: 'HYPERCACHE_WRITE_CONSISTENCY', inside: ['one', 'quorum', 'ALL'], outside: ['two', 'any'] },
  {
    name: 'HYPERCACHE_HINT_TTL',
    inside: ['100ms', '168h'],
    outside: ['99ms', '168h0m0.001s', '-30s'],
    base: { HYPERCACHE_TOMBSTONE_TTL: '168h' },
  },
  { name: 'HYPERCACHE_HINT_REPLAY', inside: ['10ms', '1h'], outside: ['9ms', '1h1ms'] },
  { name: 'HYPERCACHE_HINT_MAX_PER_NODE', inside: ['1', '10000000'], outside: ['0', '10000001'] },
  {
    name: 'HYPERCACHE_HINT_MAX_BYTES',
    inside: ['4195328', '1GiB'],
    outside: ['4195327', '4MiB', 'abc', '1.5GiB'],
  },
  { name: 'HYPERCACHE_REBALANCE_INTERVAL', inside: ['10ms', '1h'], outside: ['9ms', '2h'] },
  {
    name: 'HYPERCACHE_MERKLE_INTERVAL',
    inside: ['0', '0s', '100ms', '24h'],
    outside: ['99ms', '24h0m0.001s', '-1s', '1ms', '-0', '-0.5ms'],
    base: { HYPERCACHE_TOMBSTONE_TTL: '48h' },
  },
  {
    name: 'HYPERCACHE_TOMBSTONE_TTL',
    inside: ['1s', '168h'],
    outside: ['999ms', '168h0m0.001s', '0'],
    base: { HYPERCACHE_HINT_TTL: '100ms', HYPERCACHE_MERKLE_INTERVAL: '0' },
  },
  { name: 'HYPERCACHE_SHUTDOWN_TIMEOUT', inside: ['1s', '10m'], outside: ['999ms', '10m0.001s'] },
  {
    name: 'HYPERCACHE_AUTH_TOKEN',
    inside: ['a', '!~', 'x'.repeat(4096)],
    outside: ['x'.repeat(4097), `${TOKEN} x`, `${TOKEN}é`, `${TOKEN}\t`, `${TOKEN}\x7f`],
  },
  {
    name: 'HYPERCACHE_OIDC_ISSUER',
    inside: ['https://idp.example.com', 'https://idp.example.com/realms/x/', 'http://localhost:8080', 'HTTPS://IDP.example.com'],
    outside: ['idp.example.com', 'ftp://idp', 'https://idp/?a=1', 'https://idp/?', 'https://idp/#f', 'https://', 'https:idp', 'https://id p'],
    base: { HYPERCACHE_OIDC_AUDIENCE: 'cache' },
  },
  {
    name: 'HYPERCACHE_OIDC_AUDIENCE',
    inside: ['a', 'x'.repeat(256), 'é'.repeat(256), 'api://cache'],
    outside: ['x'.repeat(257), 'a b', 'a\nb'],
    base: { HYPERCACHE_OIDC_ISSUER: 'https://idp.example.com' },
  },
  { name: 'HYPERCACHE_OIDC_IDENTITY_CLAIM', inside: ['email', 'x'.repeat(256)], outside: ['a b', 'x'.repeat(257)] },
  { name: 'HYPERCACHE_OIDC_SCOPE_CLAIM', inside: ['scp', 'x'.repeat(256)], outside: ['a\tb', 'x'.repeat(257)] },
  { name: 'HYPERCACHE_DIST_TOKEN', inside: ['a', 'x'.repeat(4096)], outside: ['x'.repeat(4097), `${DIST_TOKEN} `] },
  {
    name: 'HYPERCACHE_DIST_TLS_ALLOWED_NAMES',
    base: { HYPERCACHE_DIST_TLS_CERT: '/c', HYPERCACHE_DIST_TLS_KEY: '/k', HYPERCACHE_DIST_TLS_CA: '/ca' },
    inside: ['node-a.peers.test', '*.peers.test', 'a, *.b.example.com ,c', 'x', `${'a'.repeat(63)}.test`],
    outside: [',', '*', '*.', 'a..b', '-a.test', 'a-.test', 'a_b.test', '*.*.test', 'a.*.test', 'node.test.', 'a b', `${'a'.repeat(64)}.test`, 'a,*,b'],
  },
  { name: 'HYPERCACHE_DIST_INSECURE', inside: ['true', 'false', 'TRUE', 'False'], outside: ['1', 'yes', 'on', 't'] },
];

describe('loadConfig: range and syntax of every variable', () => {
  const cases = RANGES.flatMap(({ name, inside, outside, base = {} }) => [
    ...inside.map((value) => ({ name, value, base, ok: true })),
    ...outside.map((value) => ({ name, value, base, ok: false })),
  ]);

  it.each(cases)('$name=$value (accepted: $ok)', ({ name, value, base, ok }) => {
    const message = errorOf({ ...base, [name]: value });
    if (ok) {
      expect(message ?? '').not.toMatch(new RegExp(`^${name}:`));
    } else {
      const shown = name.endsWith('_TOKEN') ? '<redacted>' : JSON.stringify(value);
      expect(message?.startsWith(`${name}: invalid value ${shown}: expected `)).toBe(true);
    }
  });

  it('reproduces the message of docs/configuration.md §4', () => {
    expect(errorOf({ HYPERCACHE_REPLICATION: 'three' })).toBe(
      'HYPERCACHE_REPLICATION: invalid value "three": expected an integer from 1 to 16',
    );
  });

  it.each([
    ['HYPERCACHE_HEARTBEAT', '5ms', 'expected a duration from 10ms to 1h (Go syntax, e.g. 1m30s)'],
    ['HYPERCACHE_MERKLE_INTERVAL', '1ms', 'expected 0 or a duration from 100ms to 24h (Go syntax, e.g. 1m30s)'],
    ['HYPERCACHE_MERKLE_INTERVAL', '-0.5ms', 'expected 0 or a duration from 100ms to 24h (Go syntax, e.g. 1m30s)'],
    ['HYPERCACHE_MERKLE_INTERVAL', '-0', 'expected 0 or a duration from 100ms to 24h (Go syntax, e.g. 1m30s)'],
    ['HYPERCACHE_MAX_VALUE_BYTES', '1', 'expected a size (digits with an optional KiB, MiB or GiB suffix) from 1KiB to 64MiB'],
    ['HYPERCACHE_EVICTION', 'x', 'expected lru or lfu'],
    ['HYPERCACHE_API_ADDR', 'x', 'expected host:port or :port (host a DNS name, IPv4 or [IPv6] literal) with a port from 0 to 65535'],
    ['HYPERCACHE_DIST_INSECURE', 'yes', 'expected true or false'],
    [
      'HYPERCACHE_DIST_TLS_ALLOWED_NAMES',
      'ok.test,*.*.test',
      'expected comma-separated DNS names, each optionally starting with *. (one leftmost label); entry "*.*.test" is not a DNS name or a *. wildcard of one',
    ],
    ['HYPERCACHE_DIST_TLS_ALLOWED_NAMES', ' , ', 'expected comma-separated DNS names, each optionally starting with *. (one leftmost label); no name in the list'],
  ])('%s=%s says what was expected', (name, value, expected) => {
    expect(errorOf({ [name]: value })).toBe(`${name}: invalid value ${JSON.stringify(value)}: ${expected}`);
  });
});

describe('loadConfig: typed values', () => {
  it('parses durations, sizes, enums and addresses', () => {
    const config = loadConfig(
      {
        HYPERCACHE_NODE_ID: 'n1',
        HYPERCACHE_API_ADDR: '127.0.0.1:0',
        HYPERCACHE_MGMT_ADDR: '[::1]:9000',
        HYPERCACHE_DIST_ADDR: '10.1.2.3:7000',
        HYPERCACHE_REPLICATION: '5',
        HYPERCACHE_CAPACITY: '0',
        HYPERCACHE_MAX_MEMORY: '1GiB',
        HYPERCACHE_EVICTION: 'lfu',
        HYPERCACHE_MAX_VALUE_BYTES: '1mib',
        HYPERCACHE_LOG_LEVEL: 'DEBUG',
        HYPERCACHE_LOG_FORMAT: 'pretty',
        HYPERCACHE_HEARTBEAT: '1.5s',
        HYPERCACHE_INDIRECT_PROBE_K: '0',
        HYPERCACHE_GOSSIP_INTERVAL: '90s',
        HYPERCACHE_VNODES: '128',
        HYPERCACHE_READ_CONSISTENCY: 'QUORUM',
        HYPERCACHE_WRITE_CONSISTENCY: 'All',
        HYPERCACHE_HINT_TTL: '2m',
        HYPERCACHE_HINT_REPLAY: '10500us',
        HYPERCACHE_HINT_MAX_PER_NODE: '7',
        HYPERCACHE_HINT_MAX_BYTES: '2097152',
        HYPERCACHE_REBALANCE_INTERVAL: '1m',
        HYPERCACHE_MERKLE_INTERVAL: '0',
        HYPERCACHE_TOMBSTONE_TTL: '2h45m',
        HYPERCACHE_SHUTDOWN_TIMEOUT: '10m',
      },
      HOSTNAME,
    );
    expect(config).toMatchObject({
      apiAddr: { host: '127.0.0.1', port: 0, raw: '127.0.0.1:0' },
      mgmtAddr: { host: '::1', port: 9000, raw: '[::1]:9000' },
      distAddr: { host: '10.1.2.3', port: 7000, raw: '10.1.2.3:7000' },
      advertiseAddr: '10.1.2.3:7000',
      replication: 5,
      capacity: 0,
      maxMemory: 1024 ** 3,
      eviction: 'lfu',
      maxValueBytes: 1024 ** 2,
      logLevel: 'debug',
      logFormat: 'pretty',
      heartbeatMs: 1500,
      indirectProbeK: 0,
      gossipIntervalMs: 90_000,
      vnodes: 128,
      readConsistency: 'quorum',
      writeConsistency: 'all',
      hintTtlMs: 120_000,
      hintReplayMs: 10,
      hintMaxPerNode: 7,
      hintMaxBytes: 2_097_152,
      rebalanceIntervalMs: 60_000,
      merkleIntervalMs: 0,
      tombstoneTtlMs: 9_900_000,
      shutdownTimeoutMs: 600_000,
    });
    expect(config.effectiveEnv).toMatchObject({
      HYPERCACHE_MAX_MEMORY: '1073741824',
      HYPERCACHE_MAX_VALUE_BYTES: '1048576',
      HYPERCACHE_LOG_LEVEL: 'debug',
      HYPERCACHE_HEARTBEAT: '1.5s',
      HYPERCACHE_GOSSIP_INTERVAL: '1m30s',
      HYPERCACHE_READ_CONSISTENCY: 'quorum',
      HYPERCACHE_WRITE_CONSISTENCY: 'all',
      HYPERCACHE_HINT_TTL: '2m0s',
      HYPERCACHE_HINT_REPLAY: '10ms',
      HYPERCACHE_REBALANCE_INTERVAL: '1m0s',
      HYPERCACHE_MERKLE_INTERVAL: '0s',
      HYPERCACHE_TOMBSTONE_TTL: '2h45m0s',
      HYPERCACHE_SHUTDOWN_TIMEOUT: '10m0s',
    });
  });

  it('builds TLS, auth and OIDC settings', () => {
    const config = loadConfig(
      {
        HYPERCACHE_API_TLS_CERT: '/tls/api.crt',
        HYPERCACHE_API_TLS_KEY: '/tls/api.key',
        HYPERCACHE_API_TLS_CLIENT_CA: '/tls/clients.pem',
        HYPERCACHE_AUTH_CONFIG: '/etc/hc/auth.json',
        HYPERCACHE_OIDC_ISSUER: 'https://idp.example.com/realms/hc',
        HYPERCACHE_OIDC_AUDIENCE: 'hypercache',
        HYPERCACHE_OIDC_IDENTITY_CLAIM: 'email',
        HYPERCACHE_DIST_TOKEN: DIST_TOKEN,
        HYPERCACHE_DIST_TLS_CERT: '/tls/peer.crt',
        HYPERCACHE_DIST_TLS_KEY: '/tls/peer.key',
        HYPERCACHE_DIST_TLS_CA: '/tls/peer-ca.pem',
      },
      HOSTNAME,
    );
    expect(config.apiTls).toEqual({ certFile: '/tls/api.crt', keyFile: '/tls/api.key', clientCaFile: '/tls/clients.pem' });
    expect(config.authConfigFile).toBe('/etc/hc/auth.json');
    expect(config.authToken).toBeUndefined();
    expect(config.oidc).toEqual({
      issuer: 'https://idp.example.com/realms/hc',
      audience: 'hypercache',
      identityClaim: 'email',
      scopeClaim: 'scope',
    });
    expect(config.oidcInsecure).toBe(false);
    expect(config.distToken).toBe(DIST_TOKEN);
    expect(config.distTls).toEqual({ certFile: '/tls/peer.crt', keyFile: '/tls/peer.key', caFile: '/tls/peer-ca.pem' });
    expect(config.effectiveEnv).toMatchObject({
      HYPERCACHE_API_TLS_CLIENT_CA: '/tls/clients.pem',
      HYPERCACHE_AUTH_CONFIG: '/etc/hc/auth.json',
      HYPERCACHE_AUTH_TOKEN: '',
      HYPERCACHE_DIST_TOKEN: '<redacted>',
      HYPERCACHE_OIDC_ISSUER: 'https://idp.example.com/realms/hc',
      HYPERCACHE_OIDC_IDENTITY_CLAIM: 'email',
    });
  });

  it('builds the peer name allowlist and the insecure opt-out', () => {
    const trio = { HYPERCACHE_DIST_TLS_CERT: '/c', HYPERCACHE_DIST_TLS_KEY: '/k', HYPERCACHE_DIST_TLS_CA: '/ca' };
    const config = loadConfig({ ...trio, HYPERCACHE_DIST_TLS_ALLOWED_NAMES: ' Node-A.Peers.Test, *.peers.test,', HYPERCACHE_DIST_INSECURE: 'TRUE' }, HOSTNAME);
    expect(config.distTls).toEqual({ certFile: '/c', keyFile: '/k', caFile: '/ca', allowedNames: ['node-a.peers.test', '*.peers.test'] });
    expect(config.distInsecure).toBe(true);
    expect(config.effectiveEnv).toMatchObject({ HYPERCACHE_DIST_TLS_ALLOWED_NAMES: 'node-a.peers.test,*.peers.test', HYPERCACHE_DIST_INSECURE: 'true' });
    expect(loadConfig(trio, HOSTNAME).distTls?.allowedNames).toBeUndefined();
    expect(loadConfig({}, HOSTNAME).distInsecure).toBe(false);
  });

  it('keeps HTTPS without a client CA', () => {
    const config = loadConfig({ HYPERCACHE_API_TLS_CERT: '/c', HYPERCACHE_API_TLS_KEY: '/k' }, HOSTNAME);
    expect(config.apiTls).toEqual({ certFile: '/c', keyFile: '/k' });
  });

  it('records an http:// issuer so boot can WARN', () => {
    const config = loadConfig(
      { HYPERCACHE_OIDC_ISSUER: 'http://127.0.0.1:9000', HYPERCACHE_OIDC_AUDIENCE: 'a' },
      HOSTNAME,
    );
    expect(config.oidcInsecure).toBe(true);
    expect(config.oidc?.issuer).toBe('http://127.0.0.1:9000');
  });

  it('reports HYPERCACHE_* variables outside docs/configuration.md §1, sorted', () => {
    const config = loadConfig(
      { HYPERCACHE_REPLICATON: '3', HYPERCACHE_FOO: '', HYPERCACHE_ADDR: ':1', HYPERCACHE_REPLICATION: '3', OTHER: 'x' },
      HOSTNAME,
    );
    expect(config.unknownVars).toEqual(['HYPERCACHE_ADDR', 'HYPERCACHE_FOO', 'HYPERCACHE_REPLICATON']);
  });
});

describe('loadConfig: order of checks (docs/configuration.md §4)', () => {
  it('reports the first failing variable in docs/configuration.md §1 table order', () => {
    expect(
      errorOf({
        HYPERCACHE_DIST_TLS_CA: '',
        HYPERCACHE_DIST_TOKEN: 'a b',
        HYPERCACHE_SHUTDOWN_TIMEOUT: '0',
        HYPERCACHE_VNODES: '0',
        HYPERCACHE_REPLICATION: '0',
      }),
    ).toMatch(/^HYPERCACHE_REPLICATION:/);
    expect(errorOf({ HYPERCACHE_VNODES: '0', HYPERCACHE_NODE_ID: '-x' })).toMatch(/^HYPERCACHE_NODE_ID:/);
    expect(errorOf({ HYPERCACHE_VNODES: '0' }, 'bad host')).toMatch(/^HYPERCACHE_NODE_ID:/);
    expect(errorOf({ HYPERCACHE_SEEDS: 'x', HYPERCACHE_DIST_ADDR: ':0' })).toMatch(/^HYPERCACHE_DIST_ADDR:/);
    expect(errorOf({ HYPERCACHE_DIST_TOKEN: 'a b', HYPERCACHE_OIDC_SCOPE_CLAIM: 'a b' })).toMatch(
      /^HYPERCACHE_OIDC_SCOPE_CLAIM:/,
    );
  });

  it('checks every variable before any cross-check', () => {
    expect(
      errorOf({ HYPERCACHE_AUTH_TOKEN: TOKEN, HYPERCACHE_AUTH_CONFIG: '/a.json', HYPERCACHE_DIST_TLS_CA: '/ca', HYPERCACHE_DIST_TOKEN: 'a b' }),
    ).toMatch(/^HYPERCACHE_DIST_TOKEN:/);
    expect(errorOf({ HYPERCACHE_TOMBSTONE_TTL: '1s', HYPERCACHE_SHUTDOWN_TIMEOUT: '1h' })).toMatch(
      /^HYPERCACHE_SHUTDOWN_TIMEOUT:/,
    );
  });

  it('runs the cross-checks in docs/configuration.md §4 table order', () => {
    const env: Env = {
      HYPERCACHE_AUTH_TOKEN: TOKEN,
      HYPERCACHE_AUTH_CONFIG: '/a.json',
      HYPERCACHE_OIDC_ISSUER: 'https://idp',
      HYPERCACHE_API_TLS_KEY: '/k',
      HYPERCACHE_DIST_TLS_CA: '/ca',
      HYPERCACHE_TOMBSTONE_TTL: '1s',
      HYPERCACHE_MAX_MEMORY: '1',
    };
    // Each step: the failure reported, then the variable whose removal fixes it.
    const steps: Array<[string, EnvVar]> = [
      ['HYPERCACHE_AUTH_TOKEN and HYPERCACHE_AUTH_CONFIG', 'HYPERCACHE_AUTH_CONFIG'],
      ['HYPERCACHE_OIDC_ISSUER is set', 'HYPERCACHE_OIDC_ISSUER'],
      ['HYPERCACHE_API_TLS_KEY is set', 'HYPERCACHE_API_TLS_KEY'],
      ['HYPERCACHE_DIST_TLS_CERT, HYPERCACHE_DIST_TLS_KEY not set', 'HYPERCACHE_DIST_TLS_CA'],
      ['HYPERCACHE_TOMBSTONE_TTL:', 'HYPERCACHE_TOMBSTONE_TTL'],
      ['HYPERCACHE_MAX_MEMORY:', 'HYPERCACHE_MAX_MEMORY'],
    ];
    for (const [reported, fixedBy] of steps) {
      expect(errorOf(env)?.startsWith(reported)).toBe(true);
      delete env[fixedBy];
    }
    expect(errorOf(env)).toBeUndefined();
  });
});

describe('loadConfig: cross-checks between variables (docs/configuration.md §4)', () => {
  it.each<[string, Env, string | undefined]>([
    [
      'AUTH_TOKEN with AUTH_CONFIG',
      { HYPERCACHE_AUTH_TOKEN: TOKEN, HYPERCACHE_AUTH_CONFIG: '/etc/auth.json' },
      'HYPERCACHE_AUTH_TOKEN and HYPERCACHE_AUTH_CONFIG are both set: expected at most one of them',
    ],
    ['AUTH_TOKEN alone', { HYPERCACHE_AUTH_TOKEN: TOKEN }, undefined],
    ['AUTH_CONFIG alone', { HYPERCACHE_AUTH_CONFIG: '/etc/auth.json' }, undefined],
    ['AUTH_TOKEN with DIST_TOKEN', { HYPERCACHE_AUTH_TOKEN: TOKEN, HYPERCACHE_DIST_TOKEN: DIST_TOKEN }, undefined],
    [
      'OIDC issuer without audience',
      { HYPERCACHE_OIDC_ISSUER: 'https://idp' },
      'HYPERCACHE_OIDC_ISSUER is set without HYPERCACHE_OIDC_AUDIENCE: expected both or neither',
    ],
    [
      'OIDC audience without issuer',
      { HYPERCACHE_OIDC_AUDIENCE: 'cache' },
      'HYPERCACHE_OIDC_AUDIENCE is set without HYPERCACHE_OIDC_ISSUER: expected both or neither',
    ],
    ['OIDC issuer and audience', { HYPERCACHE_OIDC_ISSUER: 'https://idp', HYPERCACHE_OIDC_AUDIENCE: 'c' }, undefined],
    [
      'API cert without key',
      { HYPERCACHE_API_TLS_CERT: '/c' },
      'HYPERCACHE_API_TLS_CERT is set without HYPERCACHE_API_TLS_KEY: expected both or neither',
    ],
    [
      'API key without cert',
      { HYPERCACHE_API_TLS_KEY: '/k' },
      'HYPERCACHE_API_TLS_KEY is set without HYPERCACHE_API_TLS_CERT: expected both or neither',
    ],
    [
      'API client CA alone',
      { HYPERCACHE_API_TLS_CLIENT_CA: '/ca' },
      'HYPERCACHE_API_TLS_CLIENT_CA is set without HYPERCACHE_API_TLS_CERT and HYPERCACHE_API_TLS_KEY: ' +
        'client certificates need HTTPS on the client API',
    ],
    [
      'API client CA with cert only',
      { HYPERCACHE_API_TLS_CERT: '/c', HYPERCACHE_API_TLS_CLIENT_CA: '/ca' },
      'HYPERCACHE_API_TLS_CERT is set without HYPERCACHE_API_TLS_KEY: expected both or neither',
    ],
    [
      'API client CA with key only',
      { HYPERCACHE_API_TLS_KEY: '/k', HYPERCACHE_API_TLS_CLIENT_CA: '/ca' },
      'HYPERCACHE_API_TLS_KEY is set without HYPERCACHE_API_TLS_CERT: expected both or neither',
    ],
    ['API cert and key', { HYPERCACHE_API_TLS_CERT: '/c', HYPERCACHE_API_TLS_KEY: '/k' }, undefined],
    [
      'API cert, key and client CA',
      { HYPERCACHE_API_TLS_CERT: '/c', HYPERCACHE_API_TLS_KEY: '/k', HYPERCACHE_API_TLS_CLIENT_CA: '/ca' },
      undefined,
    ],
    [
      'dist cert only',
      { HYPERCACHE_DIST_TLS_CERT: '/c' },
      'HYPERCACHE_DIST_TLS_KEY, HYPERCACHE_DIST_TLS_CA not set while HYPERCACHE_DIST_TLS_CERT set: ' +
        'expected HYPERCACHE_DIST_TLS_CERT, HYPERCACHE_DIST_TLS_KEY, HYPERCACHE_DIST_TLS_CA all set or all unset',
    ],
    ['dist key only', { HYPERCACHE_DIST_TLS_KEY: '/k' }, 'HYPERCACHE_DIST_TLS_CERT, HYPERCACHE_DIST_TLS_CA not set'],
    ['dist CA only', { HYPERCACHE_DIST_TLS_CA: '/ca' }, 'HYPERCACHE_DIST_TLS_CERT, HYPERCACHE_DIST_TLS_KEY not set'],
    [
      'dist cert and key',
      { HYPERCACHE_DIST_TLS_CERT: '/c', HYPERCACHE_DIST_TLS_KEY: '/k' },
      'HYPERCACHE_DIST_TLS_CA not set while HYPERCACHE_DIST_TLS_CERT, HYPERCACHE_DIST_TLS_KEY set',
    ],
    [
      'dist cert and CA',
      { HYPERCACHE_DIST_TLS_CERT: '/c', HYPERCACHE_DIST_TLS_CA: '/ca' },
      'HYPERCACHE_DIST_TLS_KEY not set while HYPERCACHE_DIST_TLS_CERT, HYPERCACHE_DIST_TLS_CA set',
    ],
    [
      'dist key and CA',
      { HYPERCACHE_DIST_TLS_KEY: '/k', HYPERCACHE_DIST_TLS_CA: '/ca' },
      'HYPERCACHE_DIST_TLS_CERT not set while HYPERCACHE_DIST_TLS_KEY, HYPERCACHE_DIST_TLS_CA set',
    ],
    [
      'dist cert, key and CA',
      { HYPERCACHE_DIST_TLS_CERT: '/c', HYPERCACHE_DIST_TLS_KEY: '/k', HYPERCACHE_DIST_TLS_CA: '/ca' },
      undefined,
    ],
    [
      'allowed peer names without dist TLS',
      { HYPERCACHE_DIST_TLS_ALLOWED_NAMES: '*.peers.test' },
      'HYPERCACHE_DIST_TLS_ALLOWED_NAMES is set without HYPERCACHE_DIST_TLS_CERT, HYPERCACHE_DIST_TLS_KEY and ' +
        'HYPERCACHE_DIST_TLS_CA: the allowed names apply to peer certificates, which need peer mTLS',
    ],
    [
      'allowed peer names with dist TLS partly set (the trio is reported first)',
      { HYPERCACHE_DIST_TLS_ALLOWED_NAMES: '*.peers.test', HYPERCACHE_DIST_TLS_CA: '/ca' },
      'HYPERCACHE_DIST_TLS_CERT, HYPERCACHE_DIST_TLS_KEY not set while HYPERCACHE_DIST_TLS_CA set',
    ],
    [
      'allowed peer names with cert, key and CA',
      { HYPERCACHE_DIST_TLS_ALLOWED_NAMES: '*.peers.test', HYPERCACHE_DIST_TLS_CERT: '/c', HYPERCACHE_DIST_TLS_KEY: '/k', HYPERCACHE_DIST_TLS_CA: '/ca' },
      undefined,
    ],
    [
      'tombstone TTL equal to hint TTL',
      { HYPERCACHE_HINT_TTL: '1h', HYPERCACHE_TOMBSTONE_TTL: '60m' },
      'HYPERCACHE_TOMBSTONE_TTL: invalid value "60m": expected more than HYPERCACHE_HINT_TTL (1h0m0s)',
    ],
    [
      'tombstone TTL below the default hint TTL',
      { HYPERCACHE_TOMBSTONE_TTL: '29s', HYPERCACHE_MERKLE_INTERVAL: '0' },
      'HYPERCACHE_TOMBSTONE_TTL: invalid value "29s": expected more than HYPERCACHE_HINT_TTL (30s)',
    ],
    [
      'hint TTL above the default tombstone TTL',
      { HYPERCACHE_HINT_TTL: '11m' },
      'HYPERCACHE_TOMBSTONE_TTL: invalid value "10m": expected more than HYPERCACHE_HINT_TTL (11m0s)',
    ],
    ['tombstone TTL 1 ms above hint TTL', { HYPERCACHE_HINT_TTL: '1h', HYPERCACHE_TOMBSTONE_TTL: '3600001ms' }, undefined],
    [
      'tombstone TTL below 2 × merkle interval',
      { HYPERCACHE_HINT_TTL: '1s', HYPERCACHE_TOMBSTONE_TTL: '19999ms' },
      'HYPERCACHE_TOMBSTONE_TTL: invalid value "19999ms": expected at least 2 × HYPERCACHE_MERKLE_INTERVAL (20s) ' +
        'while anti-entropy is on',
    ],
    ['tombstone TTL exactly 2 × merkle interval', { HYPERCACHE_HINT_TTL: '1s', HYPERCACHE_TOMBSTONE_TTL: '20s' }, undefined],
    [
      'tombstone TTL below 2 × merkle interval with anti-entropy off',
      { HYPERCACHE_HINT_TTL: '1s', HYPERCACHE_TOMBSTONE_TTL: '2s', HYPERCACHE_MERKLE_INTERVAL: '0' },
      undefined,
    ],
    [
      'max memory below max value + 1 KiB',
      { HYPERCACHE_MAX_VALUE_BYTES: '1KiB', HYPERCACHE_MAX_MEMORY: '2047' },
      'HYPERCACHE_MAX_MEMORY: invalid value "2047": expected 0 or at least HYPERCACHE_MAX_VALUE_BYTES + 1 KiB (2048 bytes)',
    ],
    ['max memory exactly max value + 1 KiB', { HYPERCACHE_MAX_VALUE_BYTES: '1KiB', HYPERCACHE_MAX_MEMORY: '2KiB' }, undefined],
    ['max memory 0 (no byte cap)', { HYPERCACHE_MAX_VALUE_BYTES: '64MiB', HYPERCACHE_HINT_MAX_BYTES: '1GiB' }, undefined],
    [
      'hint bytes below max value + 1 KiB',
      { HYPERCACHE_MAX_VALUE_BYTES: '1KiB', HYPERCACHE_HINT_MAX_BYTES: '2047' },
      'HYPERCACHE_HINT_MAX_BYTES: invalid value "2047": expected at least HYPERCACHE_MAX_VALUE_BYTES + 1 KiB (2048 bytes)',
    ],
    [
      'default hint bytes below a 64 MiB max value + 1 KiB',
      { HYPERCACHE_MAX_VALUE_BYTES: '64MiB' },
      'HYPERCACHE_HINT_MAX_BYTES: invalid value "64MiB": expected at least HYPERCACHE_MAX_VALUE_BYTES + 1 KiB (67109888 bytes)',
    ],
    ['hint bytes exactly max value + 1 KiB', { HYPERCACHE_MAX_VALUE_BYTES: '1KiB', HYPERCACHE_HINT_MAX_BYTES: '2048' }, undefined],
  ])('%s', (_case, env, expected) => {
    const message = errorOf(env);
    if (expected === undefined) expect(message).toBeUndefined();
    else expect(message?.startsWith(expected)).toBe(true);
  });
});

describe('loadConfig: secrets', () => {
  it('never puts a token into an error message', () => {
    const messages = [
      errorOf({ HYPERCACHE_AUTH_TOKEN: `${TOKEN} with space` }),
      errorOf({ HYPERCACHE_AUTH_TOKEN: `${TOKEN}\u00e9` }),
      errorOf({ HYPERCACHE_AUTH_TOKEN: TOKEN.repeat(300) }),
      errorOf({ HYPERCACHE_DIST_TOKEN: `${DIST_TOKEN} x` }),
      errorOf({ HYPERCACHE_AUTH_TOKEN: TOKEN, HYPERCACHE_AUTH_CONFIG: '/a.json' }),
      errorOf({ HYPERCACHE_AUTH_TOKEN: TOKEN, HYPERCACHE_DIST_TOKEN: DIST_TOKEN, HYPERCACHE_VNODES: '0' }),
    ];
    expect(messages[0]).toBe(
      'HYPERCACHE_AUTH_TOKEN: invalid value <redacted>: expected 1 to 4096 visible ASCII characters (0x21-0x7E)',
    );
    expect(messages[3]).toMatch(/^HYPERCACHE_DIST_TOKEN: invalid value <redacted>:/);
    for (const message of messages) {
      expect(message).toBeDefined();
      expect(message).not.toContain(TOKEN);
      expect(message).not.toContain(DIST_TOKEN);
    }
  });

  it('keeps the token for the auth module and redacts it in effectiveEnv', () => {
    const config = loadConfig({ HYPERCACHE_AUTH_TOKEN: TOKEN, HYPERCACHE_DIST_TOKEN: DIST_TOKEN }, HOSTNAME);
    expect(config.authToken).toBe(TOKEN);
    expect(config.distToken).toBe(DIST_TOKEN);
    expect(config.effectiveEnv.HYPERCACHE_AUTH_TOKEN).toBe('<redacted>');
    expect(config.effectiveEnv.HYPERCACHE_DIST_TOKEN).toBe('<redacted>');
    const shown = JSON.stringify(config.effectiveEnv);
    expect(shown).not.toContain(TOKEN);
    expect(shown).not.toContain(DIST_TOKEN);
  });
});
