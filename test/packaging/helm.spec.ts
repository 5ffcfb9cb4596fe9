import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseAuthConfig } from '../../src/config/auth-config.js';
import { ENV_VARS } from '../../src/config/env.schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { nameMatches } from '../../src/config/peer-names.js';
import { checkPeerCredential } from '../../src/peer/peer-trust.js';
import {
  CHART,
  ROOT,
  TOOLS_TIMEOUT_MS,
  ensureDeployTools,
  helm,
  helmWithCluster,
  type Manifest,
  parseManifests,
  validateManifest,
} from './support/deploy-tools.js';
import { startKubeApiStub } from './support/kube-api-stub.js';

/**
 * The Helm chart helm/hypercache (docs/deployment.md §3), checked offline: `helm lint --strict` and
 * `helm template` (both enforce values.schema.json), kubernetes-models validation of every rendered
 * object, assertions on the rendered content, and the refusal of every bad values file.
 */

const RELEASE = 'cache';
const NS = 'hc-test';
const FULLNAME = 'cache-hypercache';
const HEADLESS = `${FULLNAME}-headless.${NS}.svc.cluster.local`;
const CI_DIR = join(CHART, 'ci');
const BAD_DIR = join(ROOT, 'test', 'packaging', 'bad-values');
const CI_FILES = readdirSync(CI_DIR).filter((f) => f.endsWith('.yaml')).sort();
const BAD_FILES = readdirSync(BAD_DIR).filter((f) => f.endsWith('.yaml')).sort();
const DEFAULTS = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, any>;

const STANDARD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/component',
  'helm.sh/chart',
];

/** cluster.* value → variable (docs/deployment.md §3: "every cluster.* value mapped to its variable"). */
const CLUSTER_ENV: Record<string, string> = {
  replicationFactor: 'HYPERCACHE_REPLICATION',
  capacity: 'HYPERCACHE_CAPACITY',
  maxMemory: 'HYPERCACHE_MAX_MEMORY',
  eviction: 'HYPERCACHE_EVICTION',
  maxValueBytes: 'HYPERCACHE_MAX_VALUE_BYTES',
  vnodes: 'HYPERCACHE_VNODES',
  heartbeat: 'HYPERCACHE_HEARTBEAT',
  indirectProbeK: 'HYPERCACHE_INDIRECT_PROBE_K',
  gossipInterval: 'HYPERCACHE_GOSSIP_INTERVAL',
  hintTTL: 'HYPERCACHE_HINT_TTL',
  hintReplay: 'HYPERCACHE_HINT_REPLAY',
  hintMaxPerNode: 'HYPERCACHE_HINT_MAX_PER_NODE',
  hintMaxBytes: 'HYPERCACHE_HINT_MAX_BYTES',
  rebalanceInterval: 'HYPERCACHE_REBALANCE_INTERVAL',
  merkleInterval: 'HYPERCACHE_MERKLE_INTERVAL',
  tombstoneTTL: 'HYPERCACHE_TOMBSTONE_TTL',
  readConsistency: 'HYPERCACHE_READ_CONSISTENCY',
  writeConsistency: 'HYPERCACHE_WRITE_CONSISTENCY',
  shutdownTimeout: 'HYPERCACHE_SHUTDOWN_TIMEOUT',
  logLevel: 'HYPERCACHE_LOG_LEVEL',
  logFormat: 'HYPERCACHE_LOG_FORMAT',
};

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm-style coalescing of a CI values file over the chart defaults (maps merge, the rest replaces). */
function merged(base: Record<string, any>, over: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(base[k]) ? merged(base[k], v) : v;
  return out;
}

function valuesOf(file: string): Record<string, any> {
  return merged(DEFAULTS, (parseYaml(readFileSync(join(CI_DIR, file), 'utf8')) as Record<string, any> | null) ?? {});
}

function render(args: string[]): Manifest[] {
  const r = helm(['template', RELEASE, CHART, '--namespace', NS, ...args]);
  if (r.status !== 0) throw new Error(`helm template ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return parseManifests(r.stdout);
}

function only(objs: Manifest[], kind: string, name?: string): Manifest {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
}

function container(objs: Manifest[]): Record<string, any> {
  const sts = only(objs, 'StatefulSet', FULLNAME);
  expect(sts.spec.template.spec.containers).toHaveLength(1);
  return sts.spec.template.spec.containers[0];
}

function envOf(objs: Manifest[]): Map<string, Record<string, any>> {
  const env = container(objs).env as Array<Record<string, any>>;
  const names = env.map((e) => e.name as string);
  expect(new Set(names).size, `duplicate env names: ${names.join(',')}`).toBe(names.length);
  return new Map(env.map((e) => [e.name as string, e]));
}

/** The environment a pod would see: $(POD_NAME) expanded, secretKeyRefs resolved by `secrets`. */
function podEnv(objs: Manifest[], pod: string, secrets: (name: string, key: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, e] of envOf(objs)) {
    if (e.valueFrom?.fieldRef) out[name] = e.valueFrom.fieldRef.fieldPath === 'metadata.name' ? pod : '?';
    else if (e.valueFrom?.secretKeyRef) out[name] = secrets(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    else if (e.valueFrom) out[name] = '1';
    else out[name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_m, v: string) => out[v] ?? `$(${v})`);
  }
  return out;
}

function chartSecretData(objs: Manifest[]): Record<string, string> | undefined {
  const secret = objs.find((o) => o.kind === 'Secret');
  if (!secret) return undefined;
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

beforeAll(() => ensureDeployTools(), TOOLS_TIMEOUT_MS);

describe('offline validators', () => {
  it('kubernetes-models rejects a broken manifest (the validation is not a no-op)', async () => {
    const broken = render([]).find((o) => o.kind === 'StatefulSet')!;
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    delete broken.spec.selector;
    const error = await validateManifest(broken);
    expect(error).toMatch(/containerPort must be integer|selector/);
  });

  it('helm is v4 and kubernetes-models covers every kind the chart can render', async () => {
    expect(helm(['version', '--short']).stdout).toMatch(/^v4\./);
    const all = render(['-f', join(CI_DIR, 'token-inline-values.yaml')]);
    expect([...new Set(all.map((o) => o.kind))].sort()).toEqual(['PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount', 'ServiceMonitor', 'StatefulSet']);
  });
});

describe('helm lint --strict (docs/deployment.md §3)', () => {
  it('has CI values files for defaults, inline token, existing secrets + TLS + OIDC + ServiceMonitor, inline auth config', () => {
    expect(CI_FILES).toEqual([
      'auth-config-inline-values.yaml',
      'default-values.yaml',
      'existing-secrets-tls-oidc-values.yaml',
      'token-inline-values.yaml',
    ]);
  });

  it.each(CI_FILES)('passes with ci/%s', (file) => {
    const r = helm(['lint', '--strict', CHART, '--namespace', NS, '-f', join(CI_DIR, file)]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.stdout + r.stderr).not.toMatch(/\[(WARNING|ERROR)\]/);
  });
});

describe.each(CI_FILES)('helm template with ci/%s', (file) => {
  const values = valuesOf(file);
  let objs: Manifest[];
  beforeAll(() => {
    objs = render(['-f', join(CI_DIR, file)]);
  });

  it('renders only objects that validate against the Kubernetes schemas (kubernetes-models)', async () => {
    const kinds = objs.map((o) => o.kind).sort();
    expect(kinds).toEqual(expect.arrayContaining(['PodDisruptionBudget', 'Service', 'Service', 'Service', 'ServiceAccount', 'StatefulSet']));
    const errors = (await Promise.all(objs.map((o) => validateManifest(o)))).filter(Boolean);
    expect(errors).toEqual([]);
  });

  it('puts the standard labels and the release namespace on every object', () => {
    for (const o of objs) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NS);
      for (const label of STANDARD_LABELS) expect(o.metadata.labels?.[label], `${o.kind}/${o.metadata.name} ${label}`).toBeTruthy();
      expect(o.metadata.labels!['app.kubernetes.io/instance']).toBe(RELEASE);
      expect(o.metadata.labels!['app.kubernetes.io/managed-by']).toBe('Helm');
      expect(o.metadata.labels!['app.kubernetes.io/name']).toBe('hypercache');
      expect(o.metadata.labels!['helm.sh/chart']).toMatch(/^hypercache-\d+\.\d+\.\d+/);
    }
    const pod = only(objs, 'StatefulSet').spec.template.metadata;
    for (const label of STANDARD_LABELS) expect(pod.labels[label], `pod ${label}`).toBeTruthy();
  });

  it('renders the StatefulSet: headless serviceName, Parallel, replicas, grace period, /tmp emptyDir, security', () => {
    const sts = only(objs, 'StatefulSet', FULLNAME);
    expect(sts.spec.serviceName).toBe(`${FULLNAME}-headless`);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.replicas).toBe(values.replicaCount);
    const pod = sts.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(values.terminationGracePeriodSeconds);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe(FULLNAME);
    // selector ⊆ pod labels
    for (const [k, v] of Object.entries(sts.spec.selector.matchLabels as Record<string, string>)) expect(sts.spec.template.metadata.labels[k]).toBe(v);
    // emptyDir at /tmp (read-only root filesystem)
    const tmp = (pod.volumes as any[]).find((v) => v.name === 'tmp');
    expect(tmp.emptyDir).toBeDefined();
    expect(container(objs).volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    // security (docs/deployment.md §3)
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container(objs).securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    // every volume mount except /tmp is read-only
    for (const m of container(objs).volumeMounts as any[]) if (m.name !== 'tmp') expect(m.readOnly, m.name).toBe(true);
    // container ports by name
    expect(container(objs).ports).toEqual([
      { name: 'api', containerPort: values.ports.api, protocol: 'TCP' },
      { name: 'mgmt', containerPort: values.ports.mgmt, protocol: 'TCP' },
      { name: 'dist', containerPort: values.ports.dist, protocol: 'TCP' },
    ]);
    expect(container(objs).resources).toEqual(values.resources);
  });

  it('sets the node identity from POD_NAME, the listen addresses, the advertise address and a dns+ seed', () => {
    const env = envOf(objs);
    const names = [...env.keys()];
    expect(env.get('POD_NAME')).toEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(env.get('HYPERCACHE_NODE_ID')!.value).toBe('$(POD_NAME)');
    // $(VAR) only expands variables defined earlier in the list
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('HYPERCACHE_NODE_ID'));
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('HYPERCACHE_DIST_ADVERTISE_ADDR'));
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('HYPERCACHE_API_ADVERTISE_ADDR'));
    expect(env.get('HYPERCACHE_API_ADDR')!.value).toBe(`:${values.ports.api}`);
    expect(env.get('HYPERCACHE_MGMT_ADDR')!.value).toBe(`:${values.ports.mgmt}`);
    expect(env.get('HYPERCACHE_DIST_ADDR')!.value).toBe(`:${values.ports.dist}`);
    expect(env.get('HYPERCACHE_DIST_ADVERTISE_ADDR')!.value).toBe(`$(POD_NAME).${HEADLESS}:${values.ports.dist}`);
    // GET /v1/topology publishes the pod's DNS name, which the headless Service resolves on the api port
    expect(env.get('HYPERCACHE_API_ADVERTISE_ADDR')!.value).toBe(`$(POD_NAME).${HEADLESS}:${values.ports.api}`);
    expect(env.get('HYPERCACHE_SEEDS')!.value).toBe(`dns+${HEADLESS}:${values.ports.dist}`);
  });

  it('maps every cluster.* value to its variable, and sets only variables the server knows', () => {
    const env = envOf(objs);
    expect(Object.keys(CLUSTER_ENV).sort()).toEqual(Object.keys(values.cluster).sort());
    for (const [key, variable] of Object.entries(CLUSTER_ENV)) expect(env.get(variable)?.value, `cluster.${key}`).toBe(String(values.cluster[key]));
    const known = new Set<string>(ENV_VARS);
    for (const name of env.keys()) if (name.startsWith('HYPERCACHE_')) expect(known.has(name), name).toBe(true);
  });

  it('passes tokens only through secretKeyRef, never as plain values', () => {
    const env = envOf(objs);
    for (const [name, e] of env) {
      if (/TOKEN/.test(name)) {
        expect(e.value, name).toBeUndefined();
        expect(e.valueFrom?.secretKeyRef?.name, name).toBeTruthy();
        expect(e.valueFrom?.secretKeyRef?.key, name).toBeTruthy();
      }
    }
    const text = JSON.stringify(only(objs, 'StatefulSet'));
    for (const token of [values.auth.token.value, values.dist.token.value, values.serviceMonitor.token.value].filter(Boolean)) {
      expect(text, 'a token appears in the StatefulSet').not.toContain(token);
    }
  });

  it('probes the management port on the unauthenticated terminus endpoints, never with a token', () => {
    const c = container(objs);
    const expectProbe = (probe: any, path: string, timing: Record<string, number>) => {
      expect(probe.httpGet).toEqual({ path, port: 'mgmt', scheme: 'HTTP' });
      expect(probe).toMatchObject(timing);
      expect(probe.httpGet.httpHeaders).toBeUndefined();
      expect(probe.exec).toBeUndefined();
    };
    const p = values.probes;
    expectProbe(c.startupProbe, '/health/live', { periodSeconds: p.startup.periodSeconds, failureThreshold: p.startup.failureThreshold });
    expectProbe(c.livenessProbe, '/health/live', { periodSeconds: p.liveness.periodSeconds, timeoutSeconds: 2, failureThreshold: 3 });
    expectProbe(c.readinessProbe, '/health/ready', { periodSeconds: p.readiness.periodSeconds, timeoutSeconds: 2, failureThreshold: 2 });
  });

  it('renders the headless, client and management Services', () => {
    const headless = only(objs, 'Service', `${FULLNAME}-headless`);
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect((headless.spec.ports as any[]).map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ['dist', values.ports.dist, 'dist'],
      ['api', values.ports.api, 'api'],
      ['mgmt', values.ports.mgmt, 'mgmt'],
    ]);
    const client = only(objs, 'Service', FULLNAME);
    expect(client.spec.type).toBe(values.service.client.type);
    expect(client.spec.ports).toEqual([{ name: 'api', port: values.service.client.port, targetPort: 'api', protocol: 'TCP' }]);
    const mgmt = only(objs, 'Service', `${FULLNAME}-mgmt`);
    expect(mgmt.spec.type).toBe(values.service.mgmt.type);
    expect(mgmt.spec.ports).toEqual([{ name: 'mgmt', port: values.service.mgmt.port, targetPort: 'mgmt', protocol: 'TCP' }]);
    const podLabels = only(objs, 'StatefulSet').spec.template.metadata.labels;
    for (const svc of [headless, client, mgmt]) {
      for (const [k, v] of Object.entries(svc.spec.selector as Record<string, string>)) expect(podLabels[k], `${svc.metadata.name} selects pods`).toBe(v);
    }
  });

  it('renders the PodDisruptionBudget and the ServiceAccount', () => {
    const pdb = only(objs, 'PodDisruptionBudget', FULLNAME);
    expect(pdb.spec.maxUnavailable).toBe(values.podDisruptionBudget.maxUnavailable);
    expect(pdb.spec.selector.matchLabels).toEqual(only(objs, 'StatefulSet').spec.selector.matchLabels);
    const sa = only(objs, 'ServiceAccount', FULLNAME);
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  it('renders the chart Secret only for inline values and a generated peer token', () => {
    const data = chartSecretData(objs);
    const authOn = Boolean(values.auth.token.value || values.auth.token.existingSecret || values.auth.config.value || values.auth.config.existingSecret || values.auth.oidc.issuer);
    const peerTokenGiven = Boolean(values.dist.token.value || values.dist.token.existingSecret || values.auth.token.value || values.auth.token.existingSecret);
    if (authOn && !peerTokenGiven) {
      expect(data?.distToken).toMatch(/^[A-Za-z0-9]{48}$/);
      delete data!.distToken;
    }
    const inline = {
      token: values.auth.token.value,
      distToken: values.dist.token.value,
      metricsToken: values.serviceMonitor.enabled ? values.serviceMonitor.token.value : '',
    };
    const configValue = values.auth.config.value;
    const expected: Record<string, string> = Object.fromEntries(Object.entries(inline).filter(([, v]) => v));
    if (configValue) expected['auth.json'] = typeof configValue === 'string' ? configValue : JSON.stringify(configValue);
    if (Object.keys(expected).length === 0 && !(authOn && !peerTokenGiven)) {
      expect(data).toBeUndefined();
      return;
    }
    const secret = only(objs, 'Secret', `${FULLNAME}-auth`);
    expect(secret.type).toBe('Opaque');
    const actual = { ...data };
    if (actual['auth.json']) {
      expect(JSON.parse(actual['auth.json'])).toEqual(JSON.parse(expected['auth.json']!));
      delete actual['auth.json'];
      delete expected['auth.json'];
    }
    expect(actual).toEqual(expected);
    // the pods roll when the Secret changes
    expect(only(objs, 'StatefulSet').spec.template.metadata.annotations['checksum/auth']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('produces an environment that the server itself accepts (loadConfig), auth.json included', () => {
    const data = chartSecretData(objs) ?? {};
    const secrets = (name: string, key: string) => (name === `${FULLNAME}-auth` ? data[key]! : `secret-from-${name}-${key}`);
    const env = podEnv(objs, `${FULLNAME}-0`, secrets);
    // In the cluster the DNS names resolve; loadConfig only checks syntax and cross-variable rules.
    const config = loadConfig(env, `${FULLNAME}-0`);
    expect(config.nodeId).toBe(`${FULLNAME}-0`);
    // A closed node needs a peer credential to boot (docs/auth.md §6.1).
    expect(() => checkPeerCredential(config)).not.toThrow();
    if (data['auth.json']) {
      expect(() => parseAuthConfig(data['auth.json']!, { oidcEnabled: Boolean(values.auth.oidc.issuer) })).not.toThrow();
    }
  });
});

describe('rendered content for specific values', () => {
  it('existing Secrets + TLS + OIDC: secretKeyRefs to the named Secrets, read-only TLS mounts, OIDC variables, no chart Secret', () => {
    const objs = render(['-f', join(CI_DIR, 'existing-secrets-tls-oidc-values.yaml')]);
    const env = envOf(objs);
    expect(env.get('HYPERCACHE_AUTH_TOKEN')!.valueFrom.secretKeyRef).toEqual({ name: 'hypercache-client-token', key: 'api-token' });
    expect(env.get('HYPERCACHE_DIST_TOKEN')!.valueFrom.secretKeyRef).toEqual({ name: 'hypercache-peer-token', key: 'token' });
    expect(env.has('HYPERCACHE_AUTH_CONFIG')).toBe(false);
    expect(env.get('HYPERCACHE_OIDC_ISSUER')!.value).toBe('https://login.example.com/realms/cache');
    expect(env.get('HYPERCACHE_OIDC_AUDIENCE')!.value).toBe('hypercache');
    expect(env.get('HYPERCACHE_OIDC_IDENTITY_CLAIM')!.value).toBe('preferred_username');
    expect(env.get('HYPERCACHE_OIDC_SCOPE_CLAIM')!.value).toBe('scp');
    expect(env.get('HYPERCACHE_API_TLS_CERT')!.value).toBe('/etc/hypercache/tls/api/tls.crt');
    expect(env.get('HYPERCACHE_API_TLS_KEY')!.value).toBe('/etc/hypercache/tls/api/tls.key');
    expect(env.get('HYPERCACHE_API_TLS_CLIENT_CA')!.value).toBe('/etc/hypercache/tls/api/ca.crt');
    expect(env.get('HYPERCACHE_DIST_TLS_CERT')!.value).toBe('/etc/hypercache/tls/dist/tls.crt');
    expect(env.get('HYPERCACHE_DIST_TLS_KEY')!.value).toBe('/etc/hypercache/tls/dist/tls.key');
    expect(env.get('HYPERCACHE_DIST_TLS_CA')!.value).toBe('/etc/hypercache/tls/dist/ca.crt');
    expect(env.get('HYPERCACHE_DIST_TLS_ALLOWED_NAMES')!.value).toBe(`*.${HEADLESS}`);
    const pod = only(objs, 'StatefulSet').spec.template.spec;
    const vol = (name: string) => (pod.volumes as any[]).find((v) => v.name === name);
    expect(vol('api-tls').secret.secretName).toBe('hypercache-api-tls');
    expect(vol('api-tls').secret.items.map((i: any) => i.key)).toEqual(['tls.crt', 'tls.key', 'ca.crt']);
    expect(vol('dist-tls').secret.secretName).toBe('hypercache-peer-tls');
    expect(vol('dist-tls').secret.items.map((i: any) => i.key)).toEqual(['tls.crt', 'tls.key', 'ca.crt']);
    expect(container(objs).volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'api-tls', mountPath: '/etc/hypercache/tls/api', readOnly: true },
        { name: 'dist-tls', mountPath: '/etc/hypercache/tls/dist', readOnly: true },
      ]),
    );
    expect(objs.find((o) => o.kind === 'Secret')).toBeUndefined();
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(container(objs).image).toBe('registry.example.com/hypercache/hypercache-server:0.1.0');
  });

  it('ServiceMonitor: scrapes mgmt /metrics with interval, extra labels and the bearer token from the Secret', () => {
    const objs = render(['-f', join(CI_DIR, 'existing-secrets-tls-oidc-values.yaml')]);
    const sm = only(objs, 'ServiceMonitor', FULLNAME);
    expect(sm.metadata.labels!.release).toBe('kube-prometheus-stack');
    expect(sm.spec.endpoints).toEqual([
      { port: 'mgmt', path: '/metrics', scheme: 'http', interval: '30s', authorization: { type: 'Bearer', credentials: { name: 'hypercache-client-token', key: 'api-token' } } },
    ]);
    // it selects the management Service only
    const mgmt = only(objs, 'Service', `${FULLNAME}-mgmt`);
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels as Record<string, string>)) expect(mgmt.metadata.labels![k]).toBe(v);
    for (const other of [only(objs, 'Service', FULLNAME), only(objs, 'Service', `${FULLNAME}-headless`)]) {
      const selected = Object.entries(sm.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => other.metadata.labels![k] === v);
      expect(selected, other.metadata.name).toBe(false);
    }

    const inline = render(['-f', join(CI_DIR, 'token-inline-values.yaml')]);
    expect(only(inline, 'ServiceMonitor').spec.endpoints[0].authorization.credentials).toEqual({ name: `${FULLNAME}-auth`, key: 'token' });
    const policy = render(['-f', join(CI_DIR, 'auth-config-inline-values.yaml')]);
    expect(only(policy, 'ServiceMonitor').spec.endpoints[0].authorization.credentials).toEqual({ name: `${FULLNAME}-auth`, key: 'metricsToken' });
    // open mode: no authorization at all
    const open = render(['--set', 'serviceMonitor.enabled=true']);
    expect(only(open, 'ServiceMonitor').spec.endpoints[0].authorization).toBeUndefined();
    // off by default
    expect(render([]).find((o) => o.kind === 'ServiceMonitor')).toBeUndefined();
  });

  it('inline auth config: mounted read-only at /etc/hypercache/auth.json from the chart Secret', () => {
    const objs = render(['-f', join(CI_DIR, 'auth-config-inline-values.yaml')]);
    const env = envOf(objs);
    expect(env.get('HYPERCACHE_AUTH_CONFIG')!.value).toBe('/etc/hypercache/auth.json');
    expect(env.has('HYPERCACHE_AUTH_TOKEN')).toBe(false);
    expect(container(objs).volumeMounts).toContainEqual({ name: 'auth-config', mountPath: '/etc/hypercache/auth.json', subPath: 'auth.json', readOnly: true });
    const vol = (only(objs, 'StatefulSet').spec.template.spec.volumes as any[]).find((v) => v.name === 'auth-config');
    expect(vol.secret).toMatchObject({ secretName: `${FULLNAME}-auth`, items: [{ key: 'auth.json', path: 'auth.json' }] });
  });

  it('auth config given as a JSON string (--set-file) is stored verbatim', () => {
    const objs = render(['--set-file', `auth.config.value=${join(ROOT, 'test', 'packaging', 'fixtures', 'auth.json')}`]);
    const data = chartSecretData(objs)!;
    expect(data['auth.json']).toBe(readFileSync(join(ROOT, 'test', 'packaging', 'fixtures', 'auth.json'), 'utf8'));
    expect(() => parseAuthConfig(data['auth.json']!, { oidcEnabled: false })).not.toThrow();
  });

  it('existing auth config Secret: mounted with its key; the chart Secret holds only the generated peer token', () => {
    const objs = render(['--set', 'auth.config.existingSecret=my-policy', '--set', 'auth.config.existingSecretKey=policy.json']);
    const vol = (only(objs, 'StatefulSet').spec.template.spec.volumes as any[]).find((v) => v.name === 'auth-config');
    expect(vol.secret).toMatchObject({ secretName: 'my-policy', items: [{ key: 'policy.json', path: 'auth.json' }] });
    expect(Object.keys(chartSecretData(objs)!)).toEqual(['distToken']);
    const withPeerToken = render(['--set', 'auth.config.existingSecret=my-policy', '--set', 'dist.token.existingSecret=peers']);
    expect(withPeerToken.find((o) => o.kind === 'Secret')).toBeUndefined();
  });

  it('auth on without a peer token: the chart generates one into its Secret and the pods read it from there', () => {
    const objs = render(['-f', join(CI_DIR, 'auth-config-inline-values.yaml')]);
    const token = chartSecretData(objs)!.distToken!;
    expect(token).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(envOf(objs).get('HYPERCACHE_DIST_TOKEN')!.valueFrom.secretKeyRef).toEqual({ name: `${FULLNAME}-auth`, key: 'distToken' });
    // A fresh install draws a new one; OIDC alone generates one too; a given token or the opt-out generates none.
    expect(chartSecretData(render(['-f', join(CI_DIR, 'auth-config-inline-values.yaml')]))!.distToken).not.toBe(token);
    const oidc = render(['--set', 'auth.oidc.issuer=https://idp.example.com', '--set', 'auth.oidc.audience=cache']);
    expect(chartSecretData(oidc)!.distToken).toMatch(/^[A-Za-z0-9]{48}$/);
    const given = render(['--set', 'auth.config.existingSecret=policy', '--set', 'dist.token.existingSecret=peers']);
    expect(envOf(given).get('HYPERCACHE_DIST_TOKEN')!.valueFrom.secretKeyRef).toEqual({ name: 'peers', key: 'distToken' });
    expect(given.find((o) => o.kind === 'Secret')).toBeUndefined();
    const insecure = render(['--set', 'auth.config.existingSecret=policy', '--set', 'dist.insecure=true']);
    expect(envOf(insecure).has('HYPERCACHE_DIST_TOKEN')).toBe(false);
    expect(envOf(insecure).get('HYPERCACHE_DIST_INSECURE')!.value).toBe('true');
    expect(insecure.find((o) => o.kind === 'Secret')).toBeUndefined();
    // Open mode needs no peer token: none is generated.
    expect(envOf(render([])).has('HYPERCACHE_DIST_TOKEN')).toBe(false);
  });

  it('helm upgrade keeps the generated peer token: it is read back from the release Secret (lookup)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hc-helm-lookup-'));
    const secretPath = `/api/v1/namespaces/${NS}/secrets/${FULLNAME}-auth`;
    const existing = {
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: {
        name: `${FULLNAME}-auth`, namespace: NS,
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: { 'meta.helm.sh/release-name': RELEASE, 'meta.helm.sh/release-namespace': NS },
      },
      data: { distToken: Buffer.from('kept-peer-token-from-the-first-install').toString('base64') },
    };
    const api = await startKubeApiStub(dir, { [secretPath]: existing });
    try {
      const args = ['template', RELEASE, CHART, '--namespace', NS, '--dry-run=server', '--disable-openapi-validation', '-f', join(CI_DIR, 'auth-config-inline-values.yaml')];
      const r = await helmWithCluster(args, api.kubeconfig);
      expect(r.status, r.stderr).toBe(0);
      const objs = parseManifests(r.stdout);
      expect(chartSecretData(objs)!.distToken).toBe('kept-peer-token-from-the-first-install');
      expect(api.gets).toContain(secretPath);
      // The pods' checksum annotation is computed from the same (kept) value: a second render gives the same one.
      const again = parseManifests((await helmWithCluster(args, api.kubeconfig)).stdout);
      const checksum = (o: Manifest[]) => only(o, 'StatefulSet').spec.template.metadata.annotations['checksum/auth'];
      expect(checksum(again)).toBe(checksum(objs));
    } finally {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('peer mTLS: HYPERCACHE_DIST_TLS_ALLOWED_NAMES is the wildcard of the pods\' advertised names, or dist.tls.allowedNames', () => {
    const objs = render(['--set', 'dist.tls.existingSecret=peer-tls']);
    const names = envOf(objs).get('HYPERCACHE_DIST_TLS_ALLOWED_NAMES')!.value as string;
    expect(names).toBe(`*.${HEADLESS}`);
    const advertised = String(podEnv(objs, `${FULLNAME}-3`, () => '').HYPERCACHE_DIST_ADVERTISE_ADDR).split(':')[0]!;
    expect(advertised).toBe(`${FULLNAME}-3.${HEADLESS}`);
    expect(nameMatches(names, advertised)).toBe(true);
    const custom = render(['--set', 'dist.tls.existingSecret=peer-tls', '--set', 'dist.tls.allowedNames={node-a.peers.example.com,*.peers.example.com}']);
    expect(envOf(custom).get('HYPERCACHE_DIST_TLS_ALLOWED_NAMES')!.value).toBe('node-a.peers.example.com,*.peers.example.com');
    // The server accepts what the chart renders.
    const env = podEnv(objs, `${FULLNAME}-0`, () => '');
    expect(loadConfig(env, `${FULLNAME}-0`).distTls?.allowedNames).toEqual([`*.${HEADLESS}`]);
  });

  it('scaling changes only replicas: the dns+ seed list needs no re-render', () => {
    const three = render(['--set', 'replicaCount=3']);
    const nine = render(['--set', 'replicaCount=9']);
    expect(only(nine, 'StatefulSet').spec.replicas).toBe(9);
    expect(container(nine).env).toEqual(container(three).env);
  });

  it('defaults follow docs/deployment.md §3: 5 replicas, requests 100m/256Mi, limits 1000m/768Mi, maxMemory 256MiB, grace 45 s, PDB maxUnavailable 1', () => {
    const objs = render([]);
    expect(only(objs, 'StatefulSet').spec.replicas).toBe(5);
    expect(container(objs).resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '768Mi' } });
    expect(envOf(objs).get('HYPERCACHE_MAX_MEMORY')!.value).toBe('256MiB');
    expect(only(objs, 'StatefulSet').spec.template.spec.terminationGracePeriodSeconds).toBe(45);
    expect(only(objs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    expect(envOf(objs).has('HYPERCACHE_AUTH_TOKEN')).toBe(false);
    // soft anti-affinity by hostname
    expect(only(objs, 'StatefulSet').spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
  });

  it('large integers and byte sizes render as plain integers, not floats', () => {
    const env = envOf(render(['-f', join(CI_DIR, 'token-inline-values.yaml')]));
    expect(env.get('HYPERCACHE_CAPACITY')!.value).toBe('1000000000');
    expect(env.get('HYPERCACHE_MAX_MEMORY')!.value).toBe('268435456');
  });

  it('PDB and ServiceAccount can be turned off; extraEnv is appended', () => {
    const objs = render([
      '--set', 'podDisruptionBudget.enabled=false',
      '--set', 'serviceAccount.create=false',
      '--set', 'extraEnv[0].name=FOO', '--set', 'extraEnv[0].value=bar',
    ]);
    expect(objs.find((o) => o.kind === 'PodDisruptionBudget')).toBeUndefined();
    expect(objs.find((o) => o.kind === 'ServiceAccount')).toBeUndefined();
    expect(only(objs, 'StatefulSet').spec.template.spec.serviceAccountName).toBe('default');
    expect((container(objs).env as any[]).at(-1)).toEqual({ name: 'FOO', value: 'bar' });
  });
});

describe('NOTES.txt', () => {
  function notes(args: string[]): string {
    const r = helm(['install', RELEASE, CHART, '--namespace', NS, '--dry-run=client', ...args]);
    expect(r.status, r.stderr).toBe(0);
    const at = r.stdout.indexOf('NOTES:');
    expect(at).toBeGreaterThanOrEqual(0);
    return r.stdout.slice(at);
  }

  it('open mode: client and management URLs, port-forward + curl recipe, open and unauthenticated-dist warnings', () => {
    const text = notes([]);
    expect(text).toContain(`http://${FULLNAME}.${NS}.svc.cluster.local:8080`);
    expect(text).toContain(`http://${FULLNAME}-mgmt.${NS}.svc.cluster.local:8081`);
    expect(text).toContain(`kubectl -n ${NS} port-forward svc/${FULLNAME} 8080:8080`);
    expect(text).toMatch(/curl .*\/v1\/cache\/greeting/);
    expect(text).not.toContain('Authorization');
    expect(text).toMatch(/WARNING: no auth\.token/);
    expect(text).toMatch(/WARNING: the dist \(peer\) listener .* has no token/);
    expect(text).toMatch(/UNAUTHENTICATED/);
  });

  it('with a token: the curl recipe carries the Authorization header and reads the token from the Secret; no dist warning', () => {
    const text = notes(['-f', join(CI_DIR, 'token-inline-values.yaml')]);
    expect(text).toContain('-H "Authorization: Bearer $TOKEN"');
    expect(text).toContain(`kubectl -n ${NS} get secret ${FULLNAME}-auth -o jsonpath='{.data.token}' | base64 -d`);
    expect(text).not.toMatch(/WARNING/);
  });

  it('auth config without a peer token: Authorization header, the generated peer token, no dist warning', () => {
    const text = notes(['-f', join(CI_DIR, 'auth-config-inline-values.yaml')]);
    expect(text).toContain('-H "Authorization: Bearer $TOKEN"');
    expect(text).toContain(`Peers authenticate with a token the chart generated (Secret ${FULLNAME}-auth, key distToken)`);
    expect(text).not.toMatch(/WARNING: the dist/);
  });

  it('TLS: https client URL; mTLS-only peers are named in the warning, with the names they must carry', () => {
    const text = notes(['--set', 'apiTls.existingSecret=api-tls', '--set', 'dist.tls.existingSecret=peer-tls']);
    expect(text).toContain(`https://${FULLNAME}.${NS}.svc.cluster.local:8080`);
    expect(text).toMatch(/authenticated by mTLS only/);
    expect(text).toContain(`with certificates named *.${HEADLESS}`);
  });
});

describe('bad values are refused', () => {
  const expected: Record<string, RegExp> = {
    'api-mtls-without-secret.yaml': /apiTls/,
    'bad-auth-config-scope.yaml': /auth\/config\/value/,
    'bad-duration.yaml': /cluster\/heartbeat.*1sec/,
    'bad-enum.yaml': /cluster\/eviction/,
    'bad-size.yaml': /cluster\/maxMemory.*256MB/,
    'bad-peer-name.yaml': /dist\/tls\/allowedNames\/0/,
    'both-token-and-config.yaml': /\/auth.*'not' failed/,
    'oidc-issuer-without-audience.yaml': /auth\/oidc/,
    'out-of-range.yaml': /cluster\/replicationFactor/,
    'peer-names-without-tls.yaml': /\/dist\/tls\/existingSecret/,
    'service-monitor-without-token.yaml': /allOf/,
    'token-value-and-existing-secret.yaml': /dist\/token/,
    'token-with-space.yaml': /auth\/token\/value/,
    'typo-key.yaml': /additional properties 'replicationFactr' not allowed/,
    'typo-top-level.yaml': /additional properties 'replicas' not allowed/,
  };

  it('every bad values file has an expected error', () => {
    expect(BAD_FILES).toEqual(Object.keys(expected).sort());
  });

  it.each(BAD_FILES)('%s fails helm lint --strict and helm template', (file) => {
    const path = join(BAD_DIR, file);
    const lint = helm(['lint', '--strict', CHART, '-f', path]);
    expect(lint.status, lint.stdout).not.toBe(0);
    expect(lint.stdout + lint.stderr).toMatch(expected[file]!);
    const template = helm(['template', RELEASE, CHART, '--namespace', NS, '-f', path]);
    expect(template.status).not.toBe(0);
    expect(template.stderr).toMatch(expected[file]!);
  });

  // The templates repeat the cross-key rules with `fail`, so they hold without the schema too.
  it.each([
    ['both-token-and-config.yaml', /auth\.token and auth\.config are mutually exclusive/],
    ['token-value-and-existing-secret.yaml', /dist\.token: set either value or existingSecret, not both/],
    ['oidc-issuer-without-audience.yaml', /auth\.oidc\.issuer and auth\.oidc\.audience must be set together/],
    ['api-mtls-without-secret.yaml', /apiTls\.mtls needs apiTls\.existingSecret/],
    ['service-monitor-without-token.yaml', /\/metrics needs a read token/],
    ['peer-names-without-tls.yaml', /dist\.tls\.allowedNames needs dist\.tls\.existingSecret/],
  ])('%s fails helm template --skip-schema-validation with the template message', (file, message) => {
    const r = helm(['template', RELEASE, CHART, '--skip-schema-validation', '-f', join(BAD_DIR, file)]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  it('three identical ports fail rendering', () => {
    const r = helm(['template', RELEASE, CHART, '--set', 'ports.mgmt=8080']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/three different ports/);
  });
});

describe('values.yaml, values.schema.json and README.md agree', () => {
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Record<string, any>;
  const valuesText = readFileSync(join(CHART, 'values.yaml'), 'utf8');
  const params = [...valuesText.matchAll(/^\s*## @param (\S+) /gm)].map((m) => m[1]!);

  it('is a draft-07 schema with additionalProperties set on every object node', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const missing: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
      if (!isObject(node)) return;
      const types = ([] as unknown[]).concat(node.type ?? []);
      if (types.includes('object') && !('additionalProperties' in node)) missing.push(path);
      if (node.additionalProperties === true) missing.push(`${path} (true)`);
      for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`);
    };
    walk(schema, '#');
    expect(missing).toEqual([]);
  });

  it('documents every key of docs/deployment.md §3 with ## @param', () => {
    const required = [
      'replicaCount', 'image.repository', 'image.tag', 'image.pullPolicy', 'image.pullSecrets',
      'serviceAccount.create', 'serviceAccount.name', 'serviceAccount.annotations',
      'ports.api', 'ports.mgmt', 'ports.dist',
      ...Object.keys(CLUSTER_ENV).map((k) => `cluster.${k}`),
      ...['value', 'existingSecret', 'existingSecretKey'].flatMap((k) => [`auth.token.${k}`, `auth.config.${k}`, `dist.token.${k}`]),
      'auth.oidc.issuer', 'auth.oidc.audience', 'auth.oidc.identityClaim', 'auth.oidc.scopeClaim',
      'dist.tls.existingSecret', 'apiTls.existingSecret',
      ...['type', 'port', 'annotations'].flatMap((k) => [`service.client.${k}`, `service.mgmt.${k}`]),
      'serviceMonitor.enabled', 'serviceMonitor.interval', 'serviceMonitor.labels',
      'podDisruptionBudget.enabled', 'podDisruptionBudget.maxUnavailable', 'resources',
      'affinity', 'nodeSelector', 'tolerations', 'topologySpreadConstraints', 'podAnnotations', 'podLabels',
      'podSecurityContext', 'containerSecurityContext', 'terminationGracePeriodSeconds', 'extraEnv',
    ];
    for (const key of required) expect(params, key).toContain(key);
    expect(params.some((p) => p.startsWith('probes.'))).toBe(true);
  });

  it('every @param names a value and a schema property; every value leaf is documented', () => {
    const lookup = (obj: any, path: string) => path.split('.').reduce((o, k) => (isObject(o) && k in o ? o[k] : Symbol.for('missing')), obj);
    const schemaAt = (path: string) => path.split('.').reduce((s, k) => s?.properties?.[k], schema as any);
    for (const p of params) {
      expect(lookup(DEFAULTS, p), `values.yaml has ${p}`).not.toBe(Symbol.for('missing'));
      expect(schemaAt(p), `schema has ${p}`).toBeDefined();
    }
    const leaves: string[] = [];
    const walk = (o: Record<string, any>, prefix: string) => {
      for (const [k, v] of Object.entries(o)) {
        const path = prefix ? `${prefix}.${k}` : k;
        if (params.includes(path)) continue; // documented as a whole (maps, lists, k8s objects)
        if (isObject(v) && Object.keys(v).length > 0) walk(v, path);
        else leaves.push(path);
      }
    };
    walk(DEFAULTS, '');
    expect(leaves, 'value keys without ## @param').toEqual([]);
  });

  it('README.md has a parameter row for every @param', () => {
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
    for (const p of params) expect(rows, p).toContain(p);
  });
});
