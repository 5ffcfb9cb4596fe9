import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART, type Manifest, TOOLS_TIMEOUT_MS, ensureDeployTools, helm, parseManifests, validateManifest } from '../packaging/support/deploy-tools.js';
import { DASHBOARD_DIR, dashboards, dataPanels } from './support/monitoring.js';

/**
 * The Grafana dashboards (helm/hypercache/dashboards/*.json) and the monitoring objects of the chart:
 * `helm lint --strict` with the pack on, the dashboard ConfigMap for the Grafana sidecar and the
 * PrometheusRule, both validated with kubernetes-models. That every panel query returns data from
 * a real Prometheus is test/monitoring/prometheus-cluster.spec.ts.
 */

const RELEASE = 'cache';
const NS = 'hc-test';
const SELECTOR_VARS = ['cluster', 'namespace', 'job', 'pod'];

function render(args: string[]): Manifest[] {
  const r = helm(['template', RELEASE, CHART, '--namespace', NS, ...args]);
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}): ${r.stderr}`);
  return parseManifests(r.stdout);
}

beforeAll(() => ensureDeployTools(), TOOLS_TIMEOUT_MS);

describe('dashboard JSON', () => {
  const all = dashboards();

  it('has a cluster overview and a node view with distinct uids', () => {
    expect([...all.keys()]).toEqual(['hypercache-cluster.json', 'hypercache-node.json']);
    expect([...all.values()].map((d) => d.uid)).toEqual(['hypercache-cluster', 'hypercache-node']);
  });

  it.each([...all.keys()])('%s: a datasource variable and cluster/namespace/job/pod query variables with an All of .*', (file) => {
    const vars = all.get(file)!.templating.list;
    expect(vars.map((v) => v.name)).toEqual(['datasource', ...SELECTOR_VARS]);
    expect(vars[0]).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const v of vars.slice(1)) expect(v, v.name).toMatchObject({ type: 'query', includeAll: true, allValue: '.*' });
  });

  it.each([...all.keys()])('%s: every panel reads ${datasource} and every series selector is filtered by every variable', (file) => {
    const panels = dataPanels(all.get(file)!);
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) {
        const selectors = [...t.expr.matchAll(/[a-z_:]+\{([^}]*)\}/g)].map((m) => m[1]!);
        expect(selectors.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const sel of selectors) for (const v of SELECTOR_VARS) expect(sel, `${p.title}: ${t.expr}`).toContain(`${v}=~"$${v}"`);
        if (/\brate\(|\bincrease\(/.test(t.expr)) expect(t.expr, p.title).toContain('[$__rate_interval]');
      }
    }
  });

  it('the cluster overview covers the signals of the issue, the node view the runtime and local stalls', () => {
    const exprs = (file: string) => dataPanels(all.get(file)!).flatMap((p) => p.targets!.map((t) => t.expr)).join('\n');
    const cluster = exprs('hypercache-cluster.json');
    for (const metric of [
      'hypercache_members', 'hypercache_http_requests_total', 'hypercache_http_request_duration_seconds_bucket', 'outcome="hit"',
      'hypercache_items', 'hypercache_capacity_items', 'hypercache_bytes', 'hypercache_max_memory_bytes', 'hypercache_evictions_total',
      'hypercache_expirations_total', 'hypercache_hints_pending', 'hypercache_forwards_total', 'hypercache_promotions_total',
      'hypercache_read_repairs_total', 'hypercache_merkle_syncs_total', 'hypercache_rebalance_migrations_total',
    ]) expect(cluster, metric).toContain(metric);
    expect(cluster).toContain('histogram_quantile(0.5,');
    expect(cluster).toContain('histogram_quantile(0.99,');
    const node = exprs('hypercache-node.json');
    for (const metric of ['nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds', 'nodejs_heap_size_used_bytes', 'process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_active_handles', 'hypercache_local_stalls_total']) {
      expect(node, metric).toContain(metric);
    }
  });
});

describe('the chart with the monitoring pack on', () => {
  const on = ['--set', 'prometheusRule.enabled=true', '--set', 'grafanaDashboards.enabled=true'];

  it('passes helm lint --strict', () => {
    const r = helm(['lint', '--strict', CHART, '--namespace', NS, ...on, '--set', 'prometheusRule.labels.release=kube-prometheus-stack']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it('renders the PrometheusRule and the dashboard ConfigMap, both valid Kubernetes objects', async () => {
    const objs = render([...on, '--set', 'prometheusRule.labels.release=kube-prometheus-stack']);
    const rule = objs.find((o) => o.kind === 'PrometheusRule')!;
    expect(rule.metadata).toMatchObject({ name: 'cache-hypercache', namespace: NS, labels: { release: 'kube-prometheus-stack', 'app.kubernetes.io/instance': RELEASE } });
    const cm = objs.find((o) => o.kind === 'ConfigMap')!;
    expect(cm.metadata).toMatchObject({ name: 'cache-hypercache-dashboards', namespace: NS, labels: { grafana_dashboard: '1', 'app.kubernetes.io/component': 'dashboards' } });
    // The files, byte for byte (the sidecar writes each key as a file).
    for (const f of ['hypercache-cluster.json', 'hypercache-node.json']) expect(cm.data[f], f).toBe(readFileSync(join(DASHBOARD_DIR, f), 'utf8').trim());
    expect(await validateManifest(rule)).toBeUndefined();
    expect(await validateManifest(cm)).toBeUndefined();
  });

  it('sidecar label, namespace and annotations are configurable; both objects are off by default', () => {
    const objs = render([
      '--set', 'grafanaDashboards.enabled=true', '--set', 'grafanaDashboards.label=dashboards', '--set', 'grafanaDashboards.labelValue=hypercache',
      '--set', 'grafanaDashboards.namespace=monitoring', '--set', 'grafanaDashboards.annotations.grafana_folder=Caches',
    ]);
    const cm = objs.find((o) => o.kind === 'ConfigMap')!;
    expect(cm.metadata).toMatchObject({ namespace: 'monitoring', labels: { dashboards: 'hypercache' }, annotations: { grafana_folder: 'Caches' } });
    expect(cm.metadata.labels!.grafana_dashboard).toBeUndefined();
    const defaults = render([]);
    expect(defaults.filter((o) => o.kind === 'PrometheusRule' || o.kind === 'ConfigMap')).toEqual([]);
  });

  it.each([
    [['--set', 'prometheusRule.alerts.HypercacheMembrDown.for=1m'], /additional properties 'HypercacheMembrDown' not allowed/],
    [['--set', 'prometheusRule.alerts.HypercacheMemberDown.for=1 minute'], /HypercacheMemberDown\/for/],
    [['--set', 'prometheusRule.alerts.HypercacheHighLatency.threshold=-1'], /HypercacheHighLatency\/threshold/],
    [['--set', 'prometheusRule.selector=job=hypercache'], /prometheusRule\/selector/],
    [['--set', 'prometheusRule.extraRules[0].expr=up'], /extraRules\/0/],
  ])('refuses bad values %j', (args, message) => {
    const r = helm(['template', RELEASE, CHART, '--namespace', NS, '--set', 'prometheusRule.enabled=true', ...args]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});
