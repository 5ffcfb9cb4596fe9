#!/usr/bin/env node
// `npm run cluster -- --nodes 5`: a local cluster of N `dist/main.js` processes on loopback, laid out
// like docker-compose.cluster.yml: node-i has client API 808i, management 908i and dist 7946+i, seeds
// every other node as `node-j@127.0.0.1:<dist port>`, and the shared token `dev-token` (client,
// management and peer). Each node's log lines are prefixed with its ID. Ctrl-C / SIGTERM stops every
// node by PID (SIGTERM, so each one drains and leaves), SIGKILLs what is left after the shutdown
// timeout, and exits once all have exited; a second Ctrl-C a moment later SIGKILLs them at once.
// `npm run cluster` builds first; `node scripts/cluster.mjs` expects an up-to-date `dist/`.
//
// Options: --nodes N (1–9, default 3), --base-client 8081, --base-mgmt 9081, --base-dist 7947,
// --token dev-token, --log-level info. Other HYPERCACHE_* variables in the environment (e.g.
// HYPERCACHE_HEARTBEAT) are passed to every node.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const STOP_GRACE_MS = 35_000; // above the default 30 s HYPERCACHE_SHUTDOWN_TIMEOUT
// `npm run` forwards the terminal's SIGINT that the launcher also received: one Ctrl-C, two signals.
const SAME_SIGNAL_MS = 1_000;
const PER_NODE = new Set([
  'HYPERCACHE_NODE_ID', 'HYPERCACHE_API_ADDR', 'HYPERCACHE_MGMT_ADDR', 'HYPERCACHE_DIST_ADDR', 'HYPERCACHE_DIST_ADVERTISE_ADDR',
  'HYPERCACHE_SEEDS', 'HYPERCACHE_AUTH_TOKEN', 'HYPERCACHE_AUTH_CONFIG', 'HYPERCACHE_LOG_LEVEL',
]);

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    'base-client': { type: 'string', default: '8081' },
    'base-mgmt': { type: 'string', default: '9081' },
    'base-dist': { type: 'string', default: '7947' },
    token: { type: 'string', default: 'dev-token' },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write('usage: npm run cluster -- [--nodes N] [--base-client 8081] [--base-mgmt 9081] [--base-dist 7947] [--token dev-token] [--log-level info]\n');
  process.exit(0);
}

const count = integer('nodes', 1, 9);
const base = { client: integer('base-client', 1, 65535), mgmt: integer('base-mgmt', 1, 65535), dist: integer('base-dist', 1, 65535) };
if (!existsSync(MAIN)) fail(`${MAIN} not found; run npm run build first`);

const nodes = Array.from({ length: count }, (_, i) => ({
  id: `node-${i + 1}`,
  client: base.client + i,
  mgmt: base.mgmt + i,
  dist: base.dist + i,
}));

const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !PER_NODE.has(k)));
const width = Math.max(...nodes.map((n) => n.id.length));
const children = new Map(); // pid → { node, child }
let stopping = false;
let stopSignalAt = 0;

for (const node of nodes) {
  const env = {
    ...inherited,
    HYPERCACHE_NODE_ID: node.id,
    HYPERCACHE_API_ADDR: `127.0.0.1:${node.client}`,
    HYPERCACHE_MGMT_ADDR: `127.0.0.1:${node.mgmt}`,
    HYPERCACHE_DIST_ADDR: `127.0.0.1:${node.dist}`,
    HYPERCACHE_SEEDS: nodes.filter((n) => n !== node).map((n) => `${n.id}@127.0.0.1:${n.dist}`).join(','),
    HYPERCACHE_AUTH_TOKEN: values.token,
    HYPERCACHE_LOG_LEVEL: values['log-level'],
  };
  // Each node in its own process group, so the terminal's Ctrl-C reaches only the launcher: a node
  // that got SIGINT from the terminal and SIGTERM from here would take the second as "exit 1 now".
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.set(child.pid, { node, child });
  prefix(child.stdout, node.id, process.stdout);
  prefix(child.stderr, node.id, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(child.pid);
    say(`${node.id} (pid ${child.pid}) exited with ${signal ?? code}`);
    if (children.size === 0) process.exit(stopping ? 0 : 1);
  });
}

say(`started ${count} node(s): ${nodes.map((n) => `${n.id} client :${n.client} mgmt :${n.mgmt} dist :${n.dist}`).join('; ')}`);
say(`try: curl -H 'Authorization: Bearer ${values.token}' http://127.0.0.1:${nodes[0].mgmt}/cluster/members`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) {
      if (Date.now() - stopSignalAt < SAME_SIGNAL_MS) return;
      say(`${signal} again: SIGKILL ${children.size} node(s)`);
      for (const { child } of children.values()) child.kill('SIGKILL');
      return;
    }
    stopping = true;
    stopSignalAt = Date.now();
    say(`${signal}: stopping ${children.size} node(s)`);
    for (const { child } of children.values()) child.kill('SIGTERM');
    setTimeout(() => {
      for (const { node, child } of children.values()) {
        say(`${node.id} (pid ${child.pid}) still running after ${STOP_GRACE_MS} ms: SIGKILL`);
        child.kill('SIGKILL');
      }
    }, STOP_GRACE_MS).unref();
  });
}

function prefix(stream, id, out) {
  const tag = `${id.padEnd(width)} | `;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${tag}${line}\n`));
}

function integer(name, min, max) {
  const raw = values[name];
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || n < min || n > max) fail(`--${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function say(msg) {
  process.stderr.write(`[cluster] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`cluster: ${msg}\n`);
  process.exit(2);
}
