import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

/**
 * The committed client document (openapi/client.yaml, docs/openapi-conventions.md §1) is good enough to build an
 * SDK from: openapi-typescript turns it into types, a small openapi-fetch program written against
 * those types compiles under `tsc --strict` (with @ts-expect-error probes proving the types are
 * not `any`), and the same program then talks to a live node: put (raw body), get (raw and JSON
 * envelope), head, delete, batch put/get/delete and /v1/me.
 */

const TOKEN = 'generated-client-token';
const exec = promisify(execFile);
const TSC = join(createRequire(import.meta.url).resolve('typescript/package.json'), '..', 'bin', 'tsc');

/** Written next to the generated types; compiled by tsc, then imported and run by this test. */
const USAGE = String.raw`
import createClient from 'openapi-fetch';
import type { components, paths } from './client-api.js';

type ErrorResponse = components['schemas']['ErrorResponse'];

export async function scenario(baseUrl: string, token: string) {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: 'Bearer ' + token } });
  const key = 'generated client/key';
  const raw = '{"not":"parsed"} \u00e9';

  const me = await client.GET('/v1/me');
  const identity: { id: string; scopes: string[]; capabilities: string[] } | undefined = me.data;

  const put = await client.PUT('/v1/cache/{key}', {
    params: { path: { key }, query: { ttl: '10m' }, header: { 'X-Consistency': 'one' } },
    body: raw,
    bodySerializer: (body: string) => body,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  const stored: { key: string; stored: boolean; bytes: number; version: number; node: string; owners: string[]; ttl_ms?: number } | undefined = put.data;

  const getRaw = await client.GET('/v1/cache/{key}', { params: { path: { key } }, parseAs: 'text' });
  const getJson = await client.GET('/v1/cache/{key}', { params: { path: { key } }, headers: { Accept: 'application/json' } });
  const envelope = typeof getJson.data === 'object' ? getJson.data : undefined;
  const envelopeVersion: number | undefined = envelope?.version;

  const head = await client.HEAD('/v1/cache/{key}', { params: { path: { key } } });

  const batchPut = await client.POST('/v1/cache/batch/put', {
    body: {
      items: [
        { key: 'batch-utf8', value: 'hello' },
        { key: 'batch-b64', value: Buffer.from([0, 1, 2, 255]).toString('base64'), value_encoding: 'base64', ttl_ms: 60000 },
        { key: '', value: 'bad key' },
      ],
    },
  });
  const batchGet = await client.POST('/v1/cache/batch/get', { body: { keys: ['batch-utf8', 'batch-b64', 'batch-missing'] } });
  const batchDelete = await client.POST('/v1/cache/batch/delete', { body: { keys: ['batch-utf8', 'batch-b64'] } });
  const batchGetAfter = await client.POST('/v1/cache/batch/get', { body: { keys: ['batch-utf8', 'batch-b64'] } });

  const del = await client.DELETE('/v1/cache/{key}', { params: { path: { key } } });
  const deleted: { key: string; deleted: boolean; version: number; node: string; owners: string[] } | undefined = del.data;
  const gone = await client.GET('/v1/cache/{key}', { params: { path: { key } }, headers: { Accept: 'application/json' } });
  const goneError: ErrorResponse | undefined = gone.error;

  return {
    me: { status: me.response.status, data: identity },
    put: { status: put.response.status, data: stored, etag: put.response.headers.get('etag'), acks: put.response.headers.get('x-cache-acks') },
    getRaw: { status: getRaw.response.status, text: getRaw.data, contentType: getRaw.response.headers.get('content-type') },
    getJson: { status: getJson.response.status, data: envelope, version: envelopeVersion },
    head: {
      status: head.response.status,
      data: head.data,
      version: head.response.headers.get('x-cache-version'),
      etag: head.response.headers.get('etag'),
      ttl: head.response.headers.get('x-cache-ttl-ms'),
      length: head.response.headers.get('content-length'),
      node: head.response.headers.get('x-cache-node'),
    },
    batchPut: { status: batchPut.response.status, data: batchPut.data },
    batchGet: { status: batchGet.response.status, data: batchGet.data },
    batchDelete: { status: batchDelete.response.status, data: batchDelete.data },
    batchGetAfter: { status: batchGetAfter.response.status, data: batchGetAfter.data },
    delete: { status: del.response.status, data: deleted },
    gone: { status: gone.response.status, error: goneError },
  };
}

/** Never called: compile-time probes that the generated types are precise. */
export function typeProbes(client: ReturnType<typeof createClient<paths>>) {
  // @ts-expect-error the {key} path parameter is required
  void client.GET('/v1/cache/{key}', {});
  // @ts-expect-error /metrics belongs to the management API, not this document
  void client.GET('/metrics');
  // @ts-expect-error X-Consistency is one of one | quorum | all
  void client.GET('/v1/cache/{key}', { params: { path: { key: 'k' }, header: { 'X-Consistency': 'some' } } });
  // @ts-expect-error batch put items need a value
  void client.POST('/v1/cache/batch/put', { body: { items: [{ key: 'k' }] } });
  // @ts-expect-error value_encoding is utf8 or base64
  void client.POST('/v1/cache/batch/put', { body: { items: [{ key: 'k', value: 'v', value_encoding: 'hex' }] } });
  // @ts-expect-error capability is a known capability name
  void client.GET('/v1/me/can', { params: { query: { capability: 'cache.fly' } } });
}
`;

interface ScenarioResult {
  me: { status: number; data: unknown };
  put: { status: number; data: { key: string; stored: boolean; bytes: number; version: number; node: string; owners: string[]; ttl_ms?: number }; etag: string | null; acks: string | null };
  getRaw: { status: number; text: string; contentType: string | null };
  getJson: { status: number; data: Record<string, unknown>; version: number };
  head: { status: number; data: unknown; version: string | null; etag: string | null; ttl: string | null; length: string | null; node: string | null };
  batchPut: { status: number; data: { results: Array<Record<string, unknown>>; node: string } };
  batchGet: { status: number; data: { results: Array<Record<string, unknown>>; node: string } };
  batchDelete: { status: number; data: { results: Array<Record<string, unknown>>; node: string } };
  batchGetAfter: { status: number; data: { results: Array<Record<string, unknown>>; node: string } };
  delete: { status: number; data: { key: string; deleted: boolean; version: number } };
  gone: { status: number; error: unknown };
}

describe('a TypeScript client generated from openapi/client.yaml', () => {
  let dir: string;
  let source: string;
  let node: TestNode;

  beforeAll(async () => {
    mkdirSync('.test-results', { recursive: true });
    // Inside the repository, so the program resolves openapi-fetch from the project's node_modules.
    dir = mkdtempSync(resolve('.test-results', 'generated-client-'));
    source = astToString(await openapiTS(pathToFileURL(resolve('openapi/client.yaml'))));
    writeFileSync(join(dir, 'client-api.d.ts'), source);
    writeFileSync(join(dir, 'usage.ts'), USAGE);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'ES2023',
          lib: ['ES2023', 'DOM'],
          types: ['node'],
          skipLibCheck: false,
          noUnusedLocals: true,
        },
        files: ['client-api.d.ts', 'usage.ts'],
      }),
    );
    node = await startTestNode({ authToken: TOKEN });
  });

  afterAll(async () => {
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('generates types for every route of the document', () => {
    for (const path of ['/v1/cache/{key}', '/v1/cache/batch/put', '/v1/cache/batch/get', '/v1/cache/batch/delete', '/v1/cache/keys', '/v1/owners/{key}', '/v1/me', '/v1/me/can', '/healthz', '/v1/openapi.yaml']) {
      expect(source, path).toContain(`"${path}": {`);
    }
    expect(source).toContain('export interface paths');
    expect(source).toContain('export interface components');
  });

  it('the generated types and a program using them with openapi-fetch compile under tsc --strict', async () => {
    const run = await exec(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')]).catch((err: { stdout?: string; stderr?: string }) => err);
    expect(`${run.stdout ?? ''}${run.stderr ?? ''}`).toBe('');
  }, 120_000);

  it('the program drives a live node: put, get (raw and JSON), head, delete, batch put/get/delete, me', async () => {
    const { scenario } = (await import(pathToFileURL(join(dir, 'usage.ts')).href)) as { scenario: (base: string, token: string) => Promise<ScenarioResult> };
    const r = await scenario(node.api, TOKEN);
    const raw = '{"not":"parsed"} é';
    const key = 'generated client/key';

    expect(r.me).toEqual({ status: 200, data: { id: 'default', scopes: ['read', 'write', 'admin'], capabilities: ['cache.read', 'cache.write', 'cache.admin'] } });

    expect(r.put.status).toBe(200);
    expect(r.put.data).toMatchObject({ key, stored: true, bytes: Buffer.byteLength(raw), ttl_ms: 600_000, node: 'node-test', owners: ['node-test'] });
    expect(r.put.etag).toBe(`"${r.put.data.version}"`);
    expect(r.put.acks).toBe('1/1');

    expect(r.getRaw).toEqual({ status: 200, text: raw, contentType: 'application/octet-stream' });
    expect(r.getJson.status).toBe(200);
    expect(r.getJson.data).toMatchObject({ key, value: Buffer.from(raw).toString('base64'), value_encoding: 'base64', version: r.put.data.version, origin: 'node-test', node: 'node-test' });
    expect(r.getJson.version).toBe(r.put.data.version);

    expect(r.head.status).toBe(200);
    expect(r.head.data).toBeUndefined();
    expect(r.head.version).toBe(String(r.put.data.version));
    expect(r.head.etag).toBe(`"${r.put.data.version}"`);
    expect(Number(r.head.ttl)).toBeGreaterThan(0);
    expect(r.head.length).toBe(String(Buffer.byteLength(raw)));
    expect(r.head.node).toBe('node-test');

    expect(r.batchPut.status).toBe(200);
    expect(r.batchPut.data.node).toBe('node-test');
    expect(r.batchPut.data.results).toMatchObject([
      { key: 'batch-utf8', stored: true, bytes: 5, acks: 1, owners: ['node-test'] },
      { key: 'batch-b64', stored: true, bytes: 4, acks: 1 },
      { key: '', stored: false, code: 'BAD_REQUEST' },
    ]);
    expect(r.batchGet.data.results).toMatchObject([
      { key: 'batch-utf8', found: true, value: Buffer.from('hello').toString('base64'), value_encoding: 'base64' },
      { key: 'batch-b64', found: true, value: Buffer.from([0, 1, 2, 255]).toString('base64'), value_encoding: 'base64' },
      { key: 'batch-missing', found: false },
    ]);
    expect(r.batchGet.data.results[1]!.ttl_ms).toBeGreaterThan(0);
    expect(r.batchDelete.data.results).toMatchObject([
      { key: 'batch-utf8', deleted: true },
      { key: 'batch-b64', deleted: true },
    ]);
    expect(r.batchGetAfter.data.results).toEqual([
      { key: 'batch-utf8', found: false },
      { key: 'batch-b64', found: false },
    ]);

    expect(r.delete.status).toBe(200);
    expect(r.delete.data).toMatchObject({ key, deleted: true });
    expect(r.delete.data.version).toBeGreaterThan(r.put.data.version);
    expect(r.gone).toEqual({ status: 404, error: { error: 'key not found', code: 'NOT_FOUND' } });
  });
});
