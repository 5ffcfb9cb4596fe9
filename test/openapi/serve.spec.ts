import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type TestNode } from '../support/in-process-node.js';

/** docs/api.md §1.14, §2: the served documents are the committed files; the explorer is public. */
const TOKEN = 'openapi-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('serving the OpenAPI documents (closed mode)', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode({ authToken: TOKEN });
  });
  afterAll(async () => {
    await node.stop();
  });

  it('client GET /v1/openapi.yaml: public, application/yaml, the committed client document', async () => {
    const r = await fetch(`${node.api}/v1/openapi.yaml`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/yaml');
    expect(r.headers.get('x-cache-node')).toBe('node-test');
    expect(await r.text()).toBe(readFileSync('openapi/client.yaml', 'utf8'));
  });

  it('client GET /docs and its assets: public HTML explorer of the client document', async () => {
    const page = await fetch(`${node.api}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('swagger-ui');
    const init = await fetch(`${node.api}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    expect(await init.text()).toContain('"title": "hypercache client API"');
    const css = await fetch(`${node.api}/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
  });

  it('management GET /openapi.yaml requires scope read and serves the committed management document', async () => {
    const anonymous = await fetch(`${node.mgmt}/openapi.yaml`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'unauthorized', code: 'UNAUTHORIZED' });
    const r = await fetch(`${node.mgmt}/openapi.yaml`, { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/yaml');
    expect(await r.text()).toBe(readFileSync('openapi/management.yaml', 'utf8'));
  });

  it('no document or explorer on the other listeners', async () => {
    for (const url of [`${node.mgmt}/v1/openapi.yaml`, `${node.mgmt}/docs`, `${node.dist}/openapi.yaml`, `${node.api}/openapi.yaml`]) {
      const r = await fetch(url, { headers: auth });
      expect(r.status, url).toBe(404);
      await r.body?.cancel();
    }
  });
});
