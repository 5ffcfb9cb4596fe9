import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { CHART, ROOT, TOOLS_TIMEOUT_MS, ensureDeployTools } from '../packaging/support/deploy-tools.js';
import {
  PLAIN_RULES, PLAIN_SELECTOR, PROMTOOL_TESTS, type RuleGroup, alertsOf, plainRuleGroups, promtool, renderRuleGroups,
} from './support/monitoring.js';

/**
 * The alert rules with the real tools: the plain rule file is the chart's rendering, promtool checks
 * it and runs the unit tests (every alert fires, and stays silent where it must), the default
 * rendering (release-scoped selector) checks too, and every alert links to its runbook section.
 */

const DEFS = parseYaml(readFileSync(join(CHART, 'files', 'alert-rules.yaml'), 'utf8')) as { groups: RuleGroup[] };
const VALUES = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { prometheusRule: Record<string, any> };
const OPERATIONS = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
const ALERT_NAMES = alertsOf(DEFS.groups).map((r) => r.alert!);

interface PromtoolTests {
  rule_files: string[];
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

let work: string;
beforeAll(() => {
  ensureDeployTools();
  work = mkdtempSync(join(tmpdir(), 'hypercache-rules-'));
}, TOOLS_TIMEOUT_MS);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the plain rule file', () => {
  it('is the chart rendering with the selector job="hypercache" (regenerate with `npm run alerts`)', () => {
    const rendered = renderRuleGroups(['--set-string', `prometheusRule.selector=${PLAIN_SELECTOR}`]);
    expect(plainRuleGroups()).toEqual(rendered);
  });

  it('has the alerts of files/alert-rules.yaml, each with for, severity, summary, description and runbook_url', () => {
    const alerts = alertsOf(plainRuleGroups());
    expect(alerts.map((a) => a.alert)).toEqual(ALERT_NAMES);
    expect(ALERT_NAMES.length).toBeGreaterThanOrEqual(16);
    for (const a of alerts) {
      expect(a.for, a.alert).toMatch(/^\d+[smh]$/);
      expect(a.labels?.severity, a.alert).toMatch(/^(critical|warning)$/);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      expect(a.annotations?.runbook_url, a.alert).toBe(`${VALUES.prometheusRule.runbookBaseUrl}#${a.alert!.toLowerCase()}`);
      expect(a.expr, a.alert).toContain(PLAIN_SELECTOR);
      expect(a.expr + a.annotations!.description, a.alert).not.toContain('${');
    }
  });

  it('promtool check rules accepts it', () => {
    const r = promtool(['check', 'rules', PLAIN_RULES]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${ALERT_NAMES.length} rules found`);
  });

  it('promtool test rules: every alert fires after its for and stays silent on the series it must ignore', () => {
    const r = promtool(['test', 'rules', PROMTOOL_TESTS]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
    // The unit tests cover every alert, both ways.
    const file = parseYaml(readFileSync(PROMTOOL_TESTS, 'utf8')) as PromtoolTests;
    expect(file.rule_files).toEqual(['../../monitoring/hypercache-alerts.yaml']);
    const checks = file.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of ALERT_NAMES) {
      expect(checks.some((c) => c.alertname === name && c.exp_alerts.length > 0), `${name} fires`).toBe(true);
      expect(checks.some((c) => c.alertname === name && c.exp_alerts.length === 0), `${name} stays silent`).toBe(true);
    }
  });

  it('promtool test rules fails when a rule is broken (the unit tests are not a no-op)', () => {
    const tests = join(work, 'tests.yaml');
    const rules = join(work, 'rules.yaml');
    writeFileSync(tests, readFileSync(PROMTOOL_TESTS, 'utf8').replace('../../monitoring/hypercache-alerts.yaml', 'rules.yaml'));
    copyFileSync(PLAIN_RULES, rules);
    expect(promtool(['test', 'rules', tests]).status).toBe(0);
    // A dead member no longer counts, and the quorum threshold is raised.
    const broken = readFileSync(PLAIN_RULES, 'utf8')
      .replace('state=~"suspect|dead"', 'state=~"suspect"')
      .replace(/(rate\(hypercache_quorum_failures_total\{job="hypercache"\}\[5m\]\)\)) > 0/, '$1 > 1');
    expect(broken).not.toBe(readFileSync(PLAIN_RULES, 'utf8'));
    writeFileSync(rules, broken);
    const r = promtool(['test', 'rules', tests]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/alertname: HypercacheMemberDown/);
    expect(r.stdout + r.stderr).toMatch(/alertname: HypercacheQuorumFailures/);
  });
});

describe('the chart rendering', () => {
  it('with defaults: scoped to the release (job <fullname>-mgmt, release namespace), otherwise the plain file; promtool accepts it', () => {
    const groups = renderRuleGroups();
    const scoped = 'job="cache-hypercache-mgmt",namespace="hc-test"';
    for (const a of alertsOf(groups)) expect(a.expr, a.alert).toContain(scoped);
    const unscoped = JSON.parse(JSON.stringify(groups).replaceAll(scoped.replaceAll('"', '\\"'), PLAIN_SELECTOR.replaceAll('"', '\\"'))) as RuleGroup[];
    expect(unscoped).toEqual(plainRuleGroups());
    const file = join(work, 'default-rules.yaml');
    writeFileSync(file, stringify({ groups }));
    const r = promtool(['check', 'rules', file]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('per-alert for, threshold, severity and enabled, extra alert labels and extra rules come from values', () => {
    const groups = renderRuleGroups([
      '--set', 'prometheusRule.alerts.HypercacheMemberDown.for=2m',
      '--set', 'prometheusRule.alerts.HypercacheMemberDown.severity=page',
      '--set-json', 'prometheusRule.alerts.HypercacheHighLatency.threshold=0.5',
      '--set', 'prometheusRule.alerts.HypercacheEvictionStorm.enabled=false',
      '--set', 'prometheusRule.alertLabels.team=cache',
      '--set', 'prometheusRule.runbookBaseUrl=https://wiki.example.org/ops.md',
      '--set', 'prometheusRule.extraRules[0].alert=MyCacheAlert',
      '--set', 'prometheusRule.extraRules[0].expr=vector(1)',
      '--set', 'prometheusRule.extraRules[0].for=1m',
    ]);
    const byName = new Map(alertsOf(groups).map((a) => [a.alert!, a]));
    expect(byName.get('HypercacheMemberDown')).toMatchObject({ for: '2m', labels: { severity: 'page', team: 'cache' } });
    expect(byName.get('HypercacheHighLatency')!.expr).toMatch(/> 0\.5$/);
    expect(byName.get('HypercacheHighLatency')!.annotations!.description).toContain('threshold 0.5 s');
    expect(byName.has('HypercacheEvictionStorm')).toBe(false);
    expect(byName.get('HypercacheScrapeFailing')!.annotations!.runbook_url).toBe('https://wiki.example.org/ops.md#hypercachescrapefailing');
    expect(groups.at(-1)).toEqual({ name: 'hypercache.extra', rules: [{ alert: 'MyCacheAlert', expr: 'vector(1)', for: '1m' }] });
    const file = join(work, 'overridden-rules.yaml');
    writeFileSync(file, stringify({ groups }));
    expect(promtool(['check', 'rules', file]).status).toBe(0);
  });

  it('values list exactly the defined alerts, with a threshold exactly where the rule compares with one', () => {
    const settings = VALUES.prometheusRule.alerts as Record<string, Record<string, unknown>>;
    expect(Object.keys(settings)).toEqual(ALERT_NAMES);
    for (const rule of alertsOf(DEFS.groups)) {
      expect('threshold' in settings[rule.alert!]!, rule.alert).toBe(rule.expr.includes('${threshold}'));
      expect(rule.expr, rule.alert).toContain('${selector}');
    }
  });
});

describe('the chart README', () => {
  it('lists the default for, severity and threshold of every alert', () => {
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const rows = new Map([...readme.matchAll(/^\| `(Hypercache\w+)` \| `([^`]+)` \| (\w+) \| (?:`([\d.]+)`[^|]*|—) \|$/gm)].map((m) => [m[1]!, m.slice(2)]));
    const settings = VALUES.prometheusRule.alerts as Record<string, { for: string; severity: string; threshold?: number }>;
    expect([...rows.keys()]).toEqual(ALERT_NAMES);
    for (const [name, v] of Object.entries(settings)) {
      expect(rows.get(name), name).toEqual([v.for, v.severity, v.threshold === undefined ? undefined : String(v.threshold)]);
    }
  });
});

describe('runbook: docs/operations.md', () => {
  const headings = [...OPERATIONS.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.trim());
  const anchor = (h: string) => h.toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

  it.each(ALERT_NAMES)('%s has a section whose anchor is the runbook_url fragment, saying what it means, what to check, what to do', (name) => {
    expect(headings.map(anchor)).toContain(name.toLowerCase());
    const start = OPERATIONS.indexOf(`### ${name}\n`);
    expect(start).toBeGreaterThan(0);
    const next = OPERATIONS.indexOf('\n##', start + 4);
    const section = OPERATIONS.slice(start, next === -1 ? undefined : next);
    expect(section).toMatch(/\*\*Means\*\*/);
    expect(section).toMatch(/\*\*Check\*\*/);
    expect(section).toMatch(/\*\*Do\*\*/);
  });
});
