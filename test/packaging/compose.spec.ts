import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_VARS } from '../../src/config/env.schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { ROOT, TOOLS_TIMEOUT_MS, dockerCompose, ensureDeployTools } from './support/deploy-tools.js';

/**
 * docker-compose.cluster.yml (docs/deployment.md §2), checked offline: `docker-compose config -q` (v1, no
 * engine needed) and the resolved configuration it prints, plus the raw file for the
 * x-hypercache-base block and the smoke-test header. Starting the cluster needs a Docker engine,
 * which CI machines do not have; the cluster behaviour itself is covered by the process tests.
 */

const FILE = 'docker-compose.cluster.yml';
const NODES = [1, 2, 3, 4, 5];

const COMMON_ENV = {
  HYPERCACHE_API_ADDR: ':8080',
  HYPERCACHE_MGMT_ADDR: ':8081',
  HYPERCACHE_DIST_ADDR: ':7946',
  HYPERCACHE_REPLICATION: '3',
  HYPERCACHE_CAPACITY: '100000',
  HYPERCACHE_AUTH_TOKEN: 'dev-token',
  HYPERCACHE_LOG_LEVEL: 'info',
  HYPERCACHE_HEARTBEAT: '1s',
  HYPERCACHE_INDIRECT_PROBE_K: '2',
  HYPERCACHE_HINT_TTL: '30s',
  HYPERCACHE_HINT_REPLAY: '200ms',
  HYPERCACHE_REBALANCE_INTERVAL: '250ms',
};

const raw = readFileSync(join(ROOT, FILE), 'utf8');
let resolved: Record<string, any>;

beforeAll(() => {
  ensureDeployTools();
  const r = dockerCompose(['-f', FILE, 'config']);
  if (r.status !== 0) throw new Error(`docker-compose config failed: ${r.stderr}`);
  resolved = parseYaml(r.stdout) as Record<string, any>;
}, TOOLS_TIMEOUT_MS);

describe('docker-compose.cluster.yml (docs/deployment.md §2)', () => {
  it('validates with docker-compose config -q, without warnings', () => {
    const r = dockerCompose(['-f', FILE, 'config', '-q']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/WARN|ERROR/i);
  });

  it('has a shared x-hypercache-base block with build, image, restart, init, grace period, network, read-only + tmpfs', () => {
    const doc = parseYaml(raw, { merge: true }) as Record<string, any>;
    const base = doc['x-hypercache-base'];
    expect(base.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(base.image).toBe('hypercache-server:cluster');
    expect(base.restart).toBe('unless-stopped');
    expect(base.init).toBe(true);
    expect(base.stop_grace_period).toBe('45s');
    expect(base.networks).toEqual(['hypercache']);
    expect(base.read_only).toBe(true);
    expect(base.tmpfs).toEqual(['/tmp']);
    expect(base.environment).toEqual(COMMON_ENV);
    for (const n of NODES) expect(raw).toMatch(new RegExp(`hypercache-${n}:\\n    <<: \\*hypercache-base\\n`));
    expect(doc.networks).toEqual({ hypercache: { name: 'hypercache-cluster' } });
  });

  it('defines exactly the five services hypercache-1 … hypercache-5', () => {
    expect(Object.keys(resolved.services).sort()).toEqual(NODES.map((n) => `hypercache-${n}`));
  });

  it.each(NODES)('hypercache-%i: name, hostname, identity, advertise address, seeds, ports, base settings', (n) => {
    const svc = resolved.services[`hypercache-${n}`];
    expect(svc.container_name).toBe(`hypercache-${n}`);
    expect(svc.hostname).toBe(`hypercache-${n}`);
    expect(svc.image).toBe('hypercache-server:cluster');
    expect(svc.build.dockerfile).toBe('Dockerfile');
    expect(svc.restart).toBe('unless-stopped');
    expect(svc.init).toBe(true);
    expect(svc.stop_grace_period).toBe('45s');
    expect(svc.read_only).toBe(true);
    expect(svc.tmpfs).toEqual(['/tmp']);
    expect(Object.keys(svc.networks)).toEqual(['hypercache']);
    const others = NODES.filter((m) => m !== n).map((m) => `node-${m}@hypercache-${m}:7946`);
    expect(svc.environment).toEqual({
      ...COMMON_ENV,
      HYPERCACHE_NODE_ID: `node-${n}`,
      HYPERCACHE_DIST_ADVERTISE_ADDR: `hypercache-${n}:7946`,
      HYPERCACHE_SEEDS: others.join(','),
    });
    // host 808N → client API 8080, host 908N → management 8081; the dist port is not published
    const ports = (svc.ports as Array<{ published: number | string; target: number }>).map((p) => [Number(p.published), p.target]);
    expect(ports).toEqual([
      [8080 + n, 8080],
      [9080 + n, 8081],
    ]);
    expect(JSON.stringify(svc.ports)).not.toContain('7946');
    expect(svc.healthcheck).toEqual({ test: ['CMD', 'node', 'dist/healthcheck.js'], interval: '10s', timeout: '3s', start_period: '10s', retries: 3 });
  });

  it('gives every node an environment the server accepts (loadConfig) and only known variables', () => {
    const known = new Set<string>(ENV_VARS);
    for (const n of NODES) {
      const env = resolved.services[`hypercache-${n}`].environment as Record<string, string>;
      for (const name of Object.keys(env)) expect(known.has(name), name).toBe(true);
      const config = loadConfig(env, `hypercache-${n}`);
      expect(config.nodeId).toBe(`node-${n}`);
    }
  });

  it('shows the smoke test in the header comment: PUT on 8081, GET on 8085, GET /cluster/members on 9082', () => {
    const header = raw.split('\n').filter((l) => l.startsWith('#')).join('\n');
    expect(header).toMatch(/docker compose -f docker-compose\.cluster\.yml up --build/);
    expect(header).toMatch(/curl .*-X PUT .*http:\/\/localhost:8081\/v1\/cache\/greeting/);
    expect(header).toMatch(/curl .*'http:\/\/localhost:8085\/v1\/cache\/greeting'/);
    expect(header).toMatch(/curl .*'http:\/\/localhost:9082\/cluster\/members'/);
    expect(header).toMatch(/Authorization: Bearer dev-token/);
  });
});
