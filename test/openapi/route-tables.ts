/**
 * The route tables of docs/api.md §1.1 (without `/docs`) and docs/api.md §2, with the scopes of docs/auth.md §3.1, copied from
 * the specification (docs/). `null` = public. These are the specification (docs/), not derived from the code.
 */
export type DocumentedRoute = readonly [method: string, path: string, scope: 'read' | 'write' | 'admin' | null];

export const CLIENT_ROUTES: readonly DocumentedRoute[] = [
  ['GET', '/healthz', null],
  ['GET', '/v1/openapi.yaml', null],
  ['PUT', '/v1/cache/{key}', 'write'],
  ['GET', '/v1/cache/{key}', 'read'],
  ['HEAD', '/v1/cache/{key}', 'read'],
  ['DELETE', '/v1/cache/{key}', 'write'],
  ['GET', '/v1/cache/keys', 'read'],
  ['POST', '/v1/cache/batch/get', 'read'],
  ['POST', '/v1/cache/batch/put', 'write'],
  ['POST', '/v1/cache/batch/delete', 'write'],
  ['GET', '/v1/owners/{key}', 'read'],
  ['GET', '/v1/me', 'read'],
  ['GET', '/v1/me/can', 'read'],
  ['GET', '/v1/topology', 'read'],
];

export const MANAGEMENT_ROUTES: readonly DocumentedRoute[] = [
  ['GET', '/health', null],
  ['GET', '/health/ready', null],
  ['GET', '/health/live', null],
  ['GET', '/stats', 'read'],
  ['GET', '/config', 'read'],
  ['GET', '/metrics', 'read'],
  ['GET', '/openapi.yaml', 'read'],
  ['GET', '/dist/metrics', 'read'],
  ['GET', '/dist/owners', 'read'],
  ['GET', '/cluster/members', 'read'],
  ['GET', '/cluster/ring', 'read'],
  ['GET', '/cluster/heartbeat', 'read'],
  ['GET', '/cluster/events', 'read'],
  ['POST', '/dist/drain', 'admin'],
  ['POST', '/evict', 'admin'],
  ['POST', '/trigger-expiration', 'admin'],
  ['POST', '/clear', 'admin'],
];
