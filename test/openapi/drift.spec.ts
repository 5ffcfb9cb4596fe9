import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ListenerName } from '../../src/auth/scope.guard.js';
import { type OpenApiDocument, operations } from '../../src/openapi/openapi-json.js';
import { RouteRecorder } from '../../src/openapi/route-recorder.js';
import { startTestNode, type TestNode } from '../support/in-process-node.js';
import { CLIENT_ROUTES, type DocumentedRoute, MANAGEMENT_ROUTES } from './route-tables.js';

/** docs/openapi-conventions.md §1: the committed documents match the code, docs/, and the linter. */
const LISTENERS: ListenerName[] = ['client', 'management', 'dist'];
const committedText = (l: ListenerName) => readFileSync(`openapi/${l}.yaml`, 'utf8');
const committed = (l: ListenerName) => parse(committedText(l)) as OpenApiDocument;
const documentPairs = (l: ListenerName) => operations(committed(l)).map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort();
const documentedPairs = (table: readonly DocumentedRoute[]) => table.map(([m, p]) => `${m} ${p}`).sort();

describe('(a) registered routes = document operations', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(async () => {
    await node.stop();
  });

  it.each(LISTENERS)('%s', (listener) => {
    const app = node.apps[listener];
    const registered = app
      .get(RouteRecorder, { strict: false })
      .routes()
      // The explorer and its assets are plain Fastify routes outside the document (docs/api.md §1.1: the table without /docs).
      .filter((r) => !(listener === 'client' && (r.url === '/docs' || r.url.startsWith('/docs/'))))
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    expect([...new Set(registered)].sort()).toEqual(documentPairs(listener));
  });
});

describe('(b) regenerating gives the committed files', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'openapi-'));
    // The built writer (global setup compiled dist/) is what `npm run openapi` runs.
    execFileSync(process.execPath, ['dist/bin/write-openapi.js', '--out', out], { stdio: 'pipe' });
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(LISTENERS)('%s', (listener) => {
    expect(readFileSync(join(out, `${listener}.yaml`), 'utf8'), `run npm run openapi and commit openapi/${listener}.yaml`).toBe(
      committedText(listener),
    );
  });
});

describe('(c) document operations = the documented route tables', () => {
  it('client = docs/api.md §1.1 without /docs', () => {
    expect(documentPairs('client')).toEqual(documentedPairs(CLIENT_ROUTES));
  });
  it('management = docs/api.md §2', () => {
    expect(documentPairs('management')).toEqual(documentedPairs(MANAGEMENT_ROUTES));
  });
});

describe('(d) every operation declares its docs/auth.md §3.1 scope or is public', () => {
  const matrix: Record<'client' | 'management', readonly DocumentedRoute[]> = { client: CLIENT_ROUTES, management: MANAGEMENT_ROUTES };

  it.each(['client', 'management'] as const)('%s', (listener) => {
    for (const { method, path, op } of operations(committed(listener))) {
      const row = matrix[listener].find(([m, p]) => m === method.toUpperCase() && p === path);
      const where = `${method.toUpperCase()} ${path}`;
      expect(row, `${where} is not in the documented scope matrix`).toBeDefined();
      const scope = row![2];
      if (scope === null) {
        expect(op.security, `${where} must be public (security: [])`).toEqual([]);
        expect(op['x-required-scope'], where).toBeUndefined();
      } else {
        expect(op['x-required-scope'], where).toBe(scope);
        expect(op.security, where).toContainEqual({ bearer: [] });
        expect(Object.keys(op.responses ?? {}), where).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
  });

  it('dist: peer credentials, no scopes', () => {
    for (const { method, path, op } of operations(committed('dist'))) {
      expect(op['x-required-scope'], `${method} ${path}`).toBeUndefined();
      expect(op.security, `${method} ${path}`).toEqual([{ bearer: [] }, { mutualTLS: [] }]);
    }
  });

  it('every document is OpenAPI 3.1 with the bearer scheme and the shared error envelope', () => {
    for (const listener of LISTENERS) {
      const doc = committed(listener);
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.components?.schemas?.ErrorResponse).toMatchObject({ required: ['error', 'code'] });
    }
    expect(committed('client').components?.securitySchemes?.mutualTLS).toMatchObject({ type: 'mutualTLS' });
  });
});

describe('(e) the documents lint clean', () => {
  it.each(LISTENERS)('%s', (listener) => {
    const run = () =>
      execFileSync('node_modules/.bin/redocly', ['lint', '--config', 'redocly.yaml', '--format', 'stylish', `openapi/${listener}.yaml`], {
        stdio: 'pipe',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      });
    try {
      run();
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      expect.fail(`redocly lint openapi/${listener}.yaml:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
    }
  });
});
