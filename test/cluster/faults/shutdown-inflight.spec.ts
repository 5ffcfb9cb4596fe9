import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../support/cluster.js';
import { TOKEN } from '../../support/http.js';
import { within } from '../../support/poll.js';
import { killSpawnedNodes } from '../../support/spawn-node.js';

/**
 * docs/lifecycle.md §3 step 3: closing the client API lets in-flight requests finish and closes idle
 * keep-alive sockets. A request in flight at SIGTERM must therefore not hold the shutdown until
 * SHUTDOWN_TIMEOUT: once its answer is sent, its keep-alive connection is idle and must be closed
 * (or the answer must say `Connection: close`). Found by the rolling-restart test, where a request in
 * flight at SIGTERM made the shutdown run into the deadline.
 */
describe('graceful shutdown with a client request in flight', () => {
  afterAll(killSpawnedNodes);

  it('the keep-alive connection of a request in flight at SIGTERM does not hold the shutdown to the deadline', async () => {
    const cluster = new Cluster();
    await cluster.define(['solo'], { HYPERCACHE_SHUTDOWN_TIMEOUT: '8s' });
    const [n] = await cluster.start();
    const sock = connect(n!.ports.client, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let answer = '';
    sock.on('data', (d) => (answer += d));
    sock.on('error', () => undefined);
    // Headers now, body after SIGTERM: the request is in flight when the shutdown starts.
    sock.write(`PUT /v1/cache/k HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 5\r\n\r\nab`);
    const t0 = Date.now();
    n!.kill('SIGTERM');
    await within('shutdown started', 5000, async () => n!.stdout().includes('shutdown signal received'), 20);
    sock.write('cde');
    await within('the in-flight request is answered', 5000, async () => answer.includes('\r\n\r\n'), 20);
    const code = await n!.exited;
    const elapsed = Date.now() - t0;
    sock.destroy();
    const deadline = n!.stdout().includes('shutdown deadline exceeded');
    console.log(`[fault-report] shutdown with a request in flight: answered "${answer.split('\r\n')[0]}" (${/\r\nconnection: close/i.test(answer) ? 'Connection: close' : 'keep-alive'}), exit ${code} after ${elapsed} ms, deadline exceeded: ${deadline}`);
    expect(code).toBe(0);
    expect(deadline, 'shutdown ran into SHUTDOWN_TIMEOUT (8 s) although the only request had been answered').toBe(false);
    expect(elapsed).toBeLessThan(5000);
  }, 60_000);
});
