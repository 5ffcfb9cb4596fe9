import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';

/**
 * Offline validators for the deployment artefacts (docs/deployment.md), installed into .tools/ by
 * scripts/ensure-deploy-tools.sh: helm v4 (lint/template, enforces values.schema.json),
 * kubernetes-models (+ prometheus-operator models) for rendered manifests, docker-compose v1.
 */

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const TOOLS = process.env.HYPERCACHE_TOOLS_DIR ?? join(ROOT, '.tools');
export const HELM = join(TOOLS, 'bin', 'helm');
export const CHART = join(ROOT, 'helm', 'hypercache');
export const K8S_MODELS = join(TOOLS, 'k8s-models', 'node_modules');

/** Generous: a first run on a clean machine does apt-get + two npm installs (~1 min here). */
export const TOOLS_TIMEOUT_MS = 10 * 60_000;

/** Runs scripts/ensure-deploy-tools.sh (idempotent, locked; ~1 s when everything is in place). */
export function ensureDeployTools(): void {
  try {
    execFileSync('bash', [join(ROOT, 'scripts', 'ensure-deploy-tools.sh')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: TOOLS_TIMEOUT_MS,
    });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(`scripts/ensure-deploy-tools.sh failed: ${e.message}\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** helm with its own cache/config/data dirs (never the user's); `kubeconfig` names the cluster, none by default. */
function helmEnv(kubeconfig?: string): NodeJS.ProcessEnv {
  const home = join(TOOLS, 'helm-home');
  mkdirSync(home, { recursive: true });
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    KUBECONFIG: kubeconfig ?? join(home, 'no-kubeconfig'),
  };
}

/** helm without cluster access. */
export function helm(args: string[]): Run {
  const r = spawnSync(HELM, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: helmEnv() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** helm talking to the API server of `kubeconfig`; asynchronous, so a server in this process can answer. */
export function helmWithCluster(args: string[], kubeconfig: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(HELM, args, { cwd: ROOT, env: helmEnv(kubeconfig), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

export type Manifest = Record<string, any> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

/** Parses `helm template` output into objects (empty documents dropped); throws on a YAML error. */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as Manifest | null;
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

type ModelClass = new (data: unknown) => { validate(): void };

/** The kubernetes-models class for an object (core, apps, policy, ... and monitoring.coreos.com). */
export async function modelFor(apiVersion: string, kind: string): Promise<ModelClass> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const file =
    group === 'monitoring.coreos.com'
      ? join(K8S_MODELS, '@kubernetes-models', 'prometheus-operator', group, version!, `${kind}.js`)
      : join(K8S_MODELS, 'kubernetes-models', group === '' ? version! : join(group!, version!), `${kind}.js`);
  if (!existsSync(file)) throw new Error(`no kubernetes-models class for ${apiVersion} ${kind} (${file})`);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, ModelClass>;
  const cls = mod[kind];
  if (!cls) throw new Error(`${file} exports no ${kind}`);
  return cls;
}

/** Validates one rendered object against the Kubernetes OpenAPI schema; returns the error text or undefined. */
export async function validateManifest(obj: Manifest): Promise<string | undefined> {
  const Model = await modelFor(obj.apiVersion, obj.kind);
  try {
    new Model(obj).validate();
    return undefined;
  } catch (err) {
    return `${obj.kind}/${obj.metadata.name}: ${(err as Error).message}`;
  }
}

/** docker-compose (v1, from Debian) with the given arguments, run offline. */
export function dockerCompose(args: string[]): Run {
  const r = spawnSync('docker-compose', args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
