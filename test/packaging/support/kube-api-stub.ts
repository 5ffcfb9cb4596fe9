import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * The few Kubernetes API endpoints `helm template --dry-run=server` reads (version, discovery of the
 * kinds the chart renders, one GET per object), on loopback: no cluster runs on these machines.
 * `objects` are served by path (`/api/v1/namespaces/<ns>/secrets/<name>`); everything else is 404.
 */
export interface KubeApiStub {
  kubeconfig: string;
  /** Paths of the object GETs received (discovery excluded). */
  gets: string[];
  close(): Promise<void>;
}

const resource = (name: string, kind: string) => ({ name, singularName: kind.toLowerCase(), namespaced: true, kind, verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] });
const CORE = { kind: 'APIResourceList', groupVersion: 'v1', resources: [resource('secrets', 'Secret'), resource('services', 'Service'), resource('serviceaccounts', 'ServiceAccount')] };
const GROUPS: Record<string, Record<string, unknown>> = {
  'apps/v1': { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [resource('statefulsets', 'StatefulSet')] },
  'policy/v1': { kind: 'APIResourceList', groupVersion: 'policy/v1', resources: [resource('poddisruptionbudgets', 'PodDisruptionBudget')] },
  'monitoring.coreos.com/v1': { kind: 'APIResourceList', groupVersion: 'monitoring.coreos.com/v1', resources: [resource('servicemonitors', 'ServiceMonitor')] },
};

export async function startKubeApiStub(dir: string, objects: Record<string, unknown>): Promise<KubeApiStub> {
  const gets: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/version') return json(200, { major: '1', minor: '35', gitVersion: 'v1.35.0', platform: 'linux/amd64' });
    if (path === '/api') return json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/apis') {
      const groups = Object.keys(GROUPS).map((gv) => {
        const [name, version] = gv.split('/') as [string, string];
        return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      });
      return json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    if (path === '/api/v1') return json(200, CORE);
    const group = GROUPS[path.replace(/^\/apis\//, '')];
    if (group) return json(200, group);
    gets.push(path);
    if (path in objects) return json(200, objects[path]);
    json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'stub',
      clusters: [{ name: 'stub', cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: 'stub', user: { token: 'stub' } }],
      contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub' } }],
    }),
  );
  return { kubeconfig, gets, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
