import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { within } from '../support/poll.js';
import { killSpawnedNodes, nodeEnv, type SpawnedNode, spawnNode } from '../support/spawn-node.js';

function messages(node: SpawnedNode): string[] {
  return node.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
}

/**
 * Starts a PUT whose body is sent in two parts. `inFlight` resolves once the server has parsed the
 * headers (it answered `100 Continue`), so the request is known to be in progress on the server.
 */
async function slowPut(port: number): Promise<{ finish: () => void; status: Promise<number> }> {
  const req = request({
    host: '127.0.0.1', port, method: 'PUT', path: '/v1/cache/slow', agent: false,
    headers: { 'content-length': '10', expect: '100-continue' },
  });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  status.catch(() => undefined);
  await new Promise<void>((resolve) => req.on('continue', resolve));
  req.write('12345');
  return { finish: () => req.end('67890'), status };
}

describe('graceful shutdown (docs/lifecycle.md §3)', () => {
  afterEach(killSpawnedNodes);

  it('SIGTERM drains, closes every listener and exits 0 with the events in order', async () => {
    const node = await spawnNode(await nodeEnv());
    node.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    const msgs = messages(node);
    const order = ['shutdown signal received', 'node draining', 'hypercache-server stopped'].map((m) => msgs.indexOf(m));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('lets an in-flight client request finish while readiness already answers 503', async () => {
    const node = await spawnNode(await nodeEnv());
    const put = await slowPut(node.ports.client);
    expect((await fetch(`http://127.0.0.1:${node.ports.management}/health/ready`)).status).toBe(200);
    node.kill('SIGTERM');
    await within('readiness to turn 503', 5_000, async () => (await fetch(`http://127.0.0.1:${node.ports.management}/health/ready`)).status === 503);
    put.finish();
    // Started before the drain, answered after it: the write is refused, but the request is not cut.
    expect(await put.status).toBe(503);
    expect(await node.exited).toBe(0);
  });

  it('a second signal during the sequence exits 1 at once', async () => {
    const node = await spawnNode(await nodeEnv());
    await slowPut(node.ports.client);
    node.kill('SIGTERM');
    await within('the drain to be logged', 5_000, () => messages(node).includes('node draining'));
    node.kill('SIGINT');
    expect(await node.exited).toBe(1);
  });

  it('past HYPERCACHE_SHUTDOWN_TIMEOUT it force-closes, warns and still exits 0', async () => {
    const node = await spawnNode(await nodeEnv({ HYPERCACHE_SHUTDOWN_TIMEOUT: '1s' }));
    await slowPut(node.ports.client);
    const started = Date.now();
    node.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(messages(node)).toContain('shutdown deadline exceeded');
  });

  it('exits on SIGTERM even when its stdout pipe is gone (log flush cannot complete)', async () => {
    const node = await spawnNode(await nodeEnv());
    node.child.stdout?.destroy();
    node.kill('SIGTERM');
    const code = await Promise.race([node.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 10_000))]);
    expect(code).toBe(0);
  });
});
