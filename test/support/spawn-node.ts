import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

const PORT_BASE = 20_000;
const PORT_SPAN = 12_000;
const SLICES = 8;
const SLICE = PORT_SPAN / SLICES;
/** This worker's slice of the test port range: vitest numbers its workers from 1 (`VITEST_POOL_ID`). */
const sliceStart = PORT_BASE + ((Number(process.env.VITEST_POOL_ID ?? 1) - 1) % SLICES) * SLICE;
let nextOffset = Math.floor(Math.random() * SLICE);

/**
 * A port that was free a moment ago, for a node to bind (the dist port must be concrete: 1–65535).
 * It is taken below the kernel's ephemeral range (32768–60999 here): a port from that range can be
 * handed to any outgoing connection or `listen(0)` between this check and the node's bind, or while
 * a node is down between a stop and a restart on the same ports; ports below it are only ever
 * assigned by tests that ask for them. Each test worker walks its own slice of the range in order,
 * so two workers never pick the same port between the check and the node's bind, and one worker
 * does not hand out a port again until it has walked its whole slice.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < SLICE; attempt++) {
    const port = sliceStart + (nextOffset++ % SLICE);
    const srv = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) {
      await new Promise((r) => srv.close(r));
      return port;
    }
  }
  throw new Error(`no free port in ${sliceStart}–${sliceStart + SLICE - 1}`);
}

/** Environment for a node on loopback ports, without inheriting any HYPERCACHE_* from the runner. */
export async function nodeEnv(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const distPort = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HYPERCACHE_')) env[k] = v;
  return {
    ...env,
    HYPERCACHE_NODE_ID: 'boot-test',
    HYPERCACHE_API_ADDR: '127.0.0.1:0',
    HYPERCACHE_MGMT_ADDR: '127.0.0.1:0',
    HYPERCACHE_DIST_ADDR: `127.0.0.1:${distPort}`,
    ...extra,
  };
}

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the server expecting it to exit by itself (fatal boot errors), with a deadline. */
export function runToExit(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not exit within ${timeoutMs} ms; stdout: ${stdout}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface SpawnedNode {
  child: ChildProcess;
  pid: number;
  ports: { client: number; management: number; dist: number };
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

const spawned = new Set<ChildProcess>();

/** SIGKILLs every node a test spawned that is still running (call from afterEach, so a failed assertion leaks nothing). */
export async function killSpawnedNodes(): Promise<void> {
  const running = [...spawned].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(running.map((c) => new Promise((r) => { c.once('exit', r); c.kill('SIGKILL'); })));
  spawned.clear();
}

/** Starts a node process and waits for `hypercache-server started`, reading the bound ports from the log. */
export function spawnNode(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<SpawnedNode> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    spawned.add(child);
    let stdout = '';
    let stderr = '';
    const ports: Record<string, number> = {};
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node did not start within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => (stderr += d));
    let pending = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const rec = JSON.parse(line) as { msg: string; listener?: string; addr?: string };
        if (rec.msg === 'listener bound' && rec.listener && rec.addr) ports[rec.listener] = Number(rec.addr.split(':').pop());
        if (rec.msg === 'hypercache-server started') {
          clearTimeout(timer);
          resolve({
            child,
            pid: child.pid!,
            ports: { client: ports.client!, management: ports.management!, dist: ports.dist! },
            stdout: () => stdout,
            stderr: () => stderr,
            exited,
            kill: (signal = 'SIGTERM') => child.kill(signal),
          });
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code} before starting; stderr: ${stderr}`));
    });
  });
}
