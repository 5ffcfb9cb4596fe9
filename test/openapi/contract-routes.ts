/**
 * The route tables of CONTRACT §4.2 (without `/docs`) and §5.1, with the scopes of §3.7, copied from
 * the contract. `null` = public. These are the contract, not derived from the code.
 */
export type ContractRoute = readonly [method: string, path: string, scope: 'read' | 'write' | 'admin' | null];

export const CLIENT_ROUTES: readonly ContractRoute[] = [
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
];

export const MANAGEMENT_ROUTES: readonly ContractRoute[] = [
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
