import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CHART, ROOT, type Run, helm, parseManifests } from '../../packaging/support/deploy-tools.js';

/**
 * The monitoring pack of the chart: the alert rules (templates/prometheusrule.yaml over
 * files/alert-rules.yaml), their plain rendering monitoring/hypercache-alerts.yaml, and the Grafana
 * dashboards in helm/hypercache/dashboards/. Tools: helm (.tools/) and Debian's promtool.
 */

export const PLAIN_RULES = join(ROOT, 'monitoring', 'hypercache-alerts.yaml');
export const PROMTOOL_TESTS = join(ROOT, 'test', 'monitoring', 'alerts.promtool.yaml');
/** The selector the plain rule file is rendered with (scripts/render-alerts.mjs). */
export const PLAIN_SELECTOR = 'job="hypercache"';
export const DASHBOARD_DIR = join(CHART, 'dashboards');

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: Rule[];
}

/** `helm template` of the chart with the PrometheusRule on; returns its spec.groups. */
export function renderRuleGroups(args: string[] = [], release = 'cache', namespace = 'hc-test'): RuleGroup[] {
  const r = helm(['template', release, CHART, '--namespace', namespace, '--set', 'prometheusRule.enabled=true', '--show-only', 'templates/prometheusrule.yaml', ...args]);
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}): ${r.stderr}`);
  const [rule] = parseManifests(r.stdout);
  return rule!.spec.groups as RuleGroup[];
}

export function plainRuleGroups(): RuleGroup[] {
  return (parseYaml(readFileSync(PLAIN_RULES, 'utf8')) as { groups: RuleGroup[] }).groups;
}

export const alertsOf = (groups: RuleGroup[]): Rule[] => groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);

export function promtool(args: string[]): Run {
  const r = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Panel {
  title: string;
  type: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; legendFormat?: string; refId: string }>;
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown; allValue?: string; includeAll?: boolean }> };
}

export function dashboards(): Map<string, Dashboard> {
  const files = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json')).sort();
  return new Map(files.map((f) => [f, JSON.parse(readFileSync(join(DASHBOARD_DIR, f), 'utf8')) as Dashboard]));
}

/** Every panel that shows data (rows unfolded). */
export function dataPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

/** A panel query with Grafana's variables replaced by the given values. */
export function substitute(expr: string, vars: Record<string, string>): string {
  return expr.replace(/\$(__rate_interval|[a-z_]+)\b/g, (m, name: string) => vars[name] ?? m);
}
