import type { paths } from './generated/api.js';

/**
 * The routes this client calls, checked against the OpenAPI document at build time (`satisfies`):
 * a route that disappears or changes its path breaks the build.
 */
export const ROUTES = {
  item: '/v1/cache/{key}',
  keys: '/v1/cache/keys',
  batchGet: '/v1/cache/batch/get',
  batchPut: '/v1/cache/batch/put',
  batchDelete: '/v1/cache/batch/delete',
  owners: '/v1/owners/{key}',
  topology: '/v1/topology',
} as const satisfies Record<string, keyof paths>;

type JsonOf<P extends keyof paths, M extends 'get' | 'put' | 'post' | 'delete'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer B } } };
}
  ? B
  : never;

export type PutBody = JsonOf<'/v1/cache/{key}', 'put'>;
export type DeleteBody = JsonOf<'/v1/cache/{key}', 'delete'>;
export type ListKeysBody = JsonOf<'/v1/cache/keys', 'get'>;
export type BatchGetBody = JsonOf<'/v1/cache/batch/get', 'post'>;
export type BatchPutBody = JsonOf<'/v1/cache/batch/put', 'post'>;
export type BatchDeleteBody = JsonOf<'/v1/cache/batch/delete', 'post'>;
export type BatchPutRequest = paths['/v1/cache/batch/put']['post'] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** `/v1/cache/{key}` with the key percent-encoded as one path segment. */
export function itemPath(key: string): string {
  return ROUTES.item.replace('{key}', encodeURIComponent(key));
}
