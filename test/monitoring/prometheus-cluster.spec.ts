import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { TOOLS_TIMEOUT_MS, ensureDeployTools } from '../packaging/support/deploy-tools.js';
import { type ClusterNode, formed, Cluster } from '../support/cluster.js';
import { TOKEN, auth, client, mgmt } from '../support/http.js';
import { within } from '../support/poll.js';
import { freePort, killSpawnedNodes } from '../support/spawn-node.js';
import { PLAIN_SELECTOR, alertsOf, dashboards, dataPanels, renderRuleGroups, substitute } from './support/monitoring.js';

/**
 * A real Prometheus (Debian's `prometheus`) scrapes a 3-node loopback cluster with the bearer token,
 * loads the chart's alert rules (short `for` through values), answers every query of every dashboard
 * panel with at least one series, and fires HypercacheMemberDown in its own /api/v1/alerts within
 * the rule's `for` plus two scrape intervals of a SIGKILL.
 */

const IDS = ['node-1', 'node-2', 'node-3'];
const SCRAPE_S = 3;
const MEMBER_DOWN_FOR_S = 4;
const HEARTBEAT = '400ms'; // suspect after 3 missed probes: 1.2 s, well within one scrape interval
/** Grafana's $__rate_interval: 4 scrape intervals. */
const RATE_INTERVAL = `${4 * SCRAPE_S}s`;

interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}
interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

let nodes: ClusterNode[];
let prometheus: ChildProcess | undefined;
let promUrl: string;
let work: string;

async function promApi<T>(path: string): Promise<T> {
  const r = await fetch(`${promUrl}${path}`);
  const body = (await r.json()) as { status: string; data: T; error?: string };
  if (r.status !== 200 || body.status !== 'success') throw new Error(`${path}: ${r.status} ${body.error ?? ''}`);
  return body.data;
}
const query = async (expr: string) =>
  (await promApi<{ resultType: string; result: PromSeries[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;
const alerts = async () => (await promApi<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
const firing = async (name: string) => (await alerts()).filter((a) => a.labels.alertname === name && a.state === 'firing');

/** Some traffic for the request, latency, hit-ratio and error panels: hits, misses (404), a 401. */
async function traffic(): Promise<void> {
  for (const [i, n] of nodes.entries()) {
    for (let k = 0; k < 20; k++) {
      const url = `${client(n)}/v1/cache/prom-${i}-${k}`;
      const put = await fetch(url, { method: 'PUT', headers: { ...auth(), 'content-type': 'application/octet-stream' }, body: `v${k}` });
      expect(put.status).toBe(200);
      await put.arrayBuffer();
      // quorum: the read overlaps the quorum write, so it finds the value on any node.
      const hit = await fetch(url, { headers: { ...auth(), 'x-consistency': 'quorum' } });
      expect(hit.status).toBe(200);
      await hit.arrayBuffer();
    }
    const miss = await fetch(`${client(n)}/v1/cache/prom-missing-${i}`, { headers: auth() });
    expect(miss.status).toBe(404);
    await miss.arrayBuffer();
    const anonymous = await fetch(`${client(n)}/v1/cache/prom-0-0`);
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
  }
}

async function stopPrometheus(): Promise<void> {
  const p = prometheus;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  process.kill(p.pid!, 'SIGTERM');
  const timer = setTimeout(() => p.exitCode === null && p.signalCode === null && process.kill(p.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

beforeAll(async () => {
  ensureDeployTools();
  work = mkdtempSync(join(tmpdir(), 'hypercache-prometheus-'));
  // Management ports chosen up front, so that Prometheus starts while the nodes boot.
  const ports = new Set<number>();
  while (ports.size < IDS.length + 1) ports.add(await freePort());
  const [promPort, ...mgmtPorts] = [...ports];

  // The chart's rules for a plain Prometheus job "hypercache", with short `for`s for this test.
  const groups = renderRuleGroups([
    '--set-string', `prometheusRule.selector=${PLAIN_SELECTOR}`,
    '--set', `prometheusRule.alerts.HypercacheMemberDown.for=${MEMBER_DOWN_FOR_S}s`,
    '--set', 'prometheusRule.alerts.HypercacheScrapeFailing.for=2s',
    '--set', 'prometheusRule.alerts.HypercacheNodeOutOfRing.for=2s',
  ]);
  writeFileSync(join(work, 'rules.yaml'), stringify({ groups }));
  writeFileSync(join(work, 'prometheus.yml'), stringify({
    global: { scrape_interval: `${SCRAPE_S}s`, scrape_timeout: `${SCRAPE_S}s`, evaluation_interval: '500ms' },
    rule_files: ['rules.yaml'],
    scrape_configs: [{
      job_name: 'hypercache',
      metrics_path: '/metrics',
      authorization: { type: 'Bearer', credentials: TOKEN },
      // The labels a ServiceMonitor gives the series in Kubernetes, for the dashboard variables.
      static_configs: IDS.map((id, i) => ({ targets: [`127.0.0.1:${mgmtPorts[i]}`], labels: { cluster: 'loopback', namespace: 'hc-test', pod: id } })),
    }],
  }));
  promUrl = `http://127.0.0.1:${promPort}`;
  let log = '';
  prometheus = spawn('prometheus', [
    `--config.file=${join(work, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(work, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--log.level=warn',
  ], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  prometheus.stdout!.on('data', (d) => (log += d));
  prometheus.stderr!.on('data', (d) => (log += d));

  nodes = await Cluster.launch(IDS, (id) => ({
    HYPERCACHE_MGMT_ADDR: `127.0.0.1:${mgmtPorts[IDS.indexOf(id)]}`,
    HYPERCACHE_HEARTBEAT: HEARTBEAT,
    HYPERCACHE_GOSSIP_INTERVAL: '250ms',
    HYPERCACHE_MERKLE_INTERVAL: '2s',
  }));
  await within('3 alive members on every node', 20_000, () => formed(nodes, IDS));
  await within('prometheus ready', 20_000, async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.status === 200, 100)
    .catch((err: Error) => { throw new Error(`${err.message}: ${log}`); });
  await traffic();
}, TOOLS_TIMEOUT_MS);

afterAll(async () => {
  await stopPrometheus();
  await killSpawnedNodes();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a real Prometheus scraping a 3-node cluster', () => {
  it('scrapes every node with the bearer token and loads every alert rule', async () => {
    await within('3 healthy targets', 15_000, async () => {
      const up = await query('up{job="hypercache"} == 1');
      return up.length === 3;
    }, 200);
    const rules = await promApi<{ groups: Array<{ rules: Array<{ name: string; health: string }> }> }>('/api/v1/rules');
    const loaded = rules.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(alertsOf(renderRuleGroups()).map((a) => a.alert!).sort());
    expect(loaded.filter((r) => r.health === 'err')).toEqual([]);
    // The token is what makes the scrape work: without it /metrics answers 401.
    expect((await fetch(`${mgmt(nodes[0]!)}/metrics`)).status).toBe(401);
  });

  it('every query of every dashboard panel returns at least one series', async () => {
    const vars = { cluster: 'loopback', namespace: 'hc-test', job: 'hypercache', __rate_interval: RATE_INTERVAL };
    const queries: Array<{ where: string; expr: string }> = [];
    for (const [file, d] of dashboards()) {
      // The cluster view with every pod; the node view with one pod.
      const pod = d.uid === 'hypercache-node' ? 'node-2' : '.*';
      for (const p of dataPanels(d)) for (const t of p.targets ?? []) queries.push({ where: `${file} "${p.title}" ${t.refId}`, expr: substitute(t.expr, { ...vars, pod }) });
    }
    expect(queries.length).toBeGreaterThanOrEqual(50);
    for (const q of queries) expect(q.expr, q.where).not.toMatch(/\$/);
    let empty: string[] = [];
    await within('every panel query has a series', 30_000, async () => {
      const counts = await Promise.all(queries.map(async (q) => (await query(q.expr)).length));
      empty = queries.filter((_, i) => counts[i] === 0).map((q) => `${q.where}: ${q.expr}`);
      return empty.length === 0;
    }, 500).catch((err: Error) => {
      throw new Error(`${err.message}; empty: ${empty.join('\n')}`);
    });
    // The node view's pod variable selects that pod only.
    const heap = await query(substitute('sum by (pod) (nodejs_heap_size_used_bytes{cluster=~"$cluster",namespace=~"$namespace",job=~"$job",pod=~"$pod"})', { ...vars, pod: 'node-2' }));
    expect(heap.map((s) => s.metric.pod)).toEqual(['node-2']);
  });

  it('the dashboard variables list the cluster, namespace, job and pods', async () => {
    const values = async (label: string) => promApi<string[]>(`/api/v1/label/${label}/values?match[]=hypercache_build_info`);
    expect(await values('cluster')).toEqual(['loopback']);
    expect(await values('namespace')).toEqual(['hc-test']);
    expect(await values('job')).toEqual(['hypercache']);
    expect(await values('pod')).toEqual(IDS);
  });

  it(`SIGKILL of one node fires HypercacheMemberDown within for (${MEMBER_DOWN_FOR_S} s) + 2 scrape intervals; the scrape and ring alerts follow`, async () => {
    const names = ['HypercacheMemberDown', 'HypercacheScrapeFailing', 'HypercacheNodeOutOfRing'];
    // Formation made the scrape and ring alerts pending for a moment; start from all inactive.
    await within('no membership or scrape alert pending or firing before the kill', 20_000, async () =>
      (await alerts()).every((a) => !names.includes(a.labels.alertname!)), 200);

    const victim = nodes[2]!;
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    const budgetMs = (MEMBER_DOWN_FOR_S + 2 * SCRAPE_S) * 1000;
    const elapsed = await within('HypercacheMemberDown firing', budgetMs + 10_000, async () => (await firing('HypercacheMemberDown')).length > 0, 100);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(MEMBER_DOWN_FOR_S * 1000);
    expect(elapsed, `fired ${elapsed} ms after the SIGKILL`).toBeLessThanOrEqual(budgetMs);
    expect((await firing('HypercacheMemberDown'))[0]!.labels).toMatchObject({ job: 'hypercache', cluster: 'loopback', namespace: 'hc-test', severity: 'critical' });

    await within('HypercacheScrapeFailing and HypercacheNodeOutOfRing firing', 20_000, async () =>
      (await firing('HypercacheScrapeFailing')).some((a) => a.labels.pod === victim.id) && (await firing('HypercacheNodeOutOfRing')).length > 0, 200);
  });
});
