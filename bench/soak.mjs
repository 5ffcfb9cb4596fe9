#!/usr/bin/env node
// Long soak of the stall scenarios (bench/README.md "Soak"): runs test/cluster/faults/soak.spec.ts
// with more rounds and a longer single-node stall than `npm test` does.
//   node bench/soak.mjs [--rounds 10] [--stop-ms 10000]
// Builds dist/ first (the test's global set-up), prints the test's `[fault-report]` lines and a
// summary, and exits non-zero when a round lost an acknowledged write, a thawed node declared a
// running peer dead, or the cluster did not converge.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    'stop-ms': { type: 'string', default: '10000' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('node bench/soak.mjs [--rounds N (default 10)] [--stop-ms MS (single-node stall, default 10000)]');
  process.exit(0);
}
const rounds = Number(values.rounds);
const stopMs = Number(values['stop-ms']);
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(stopMs) || stopMs < 1000) {
  console.error('--rounds must be an integer ≥ 1 and --stop-ms an integer ≥ 1000');
  process.exit(2);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const child = spawn(process.execPath, [vitest, 'run', 'test/cluster/faults/soak.spec.ts'], {
  cwd: root,
  env: { ...process.env, SOAK_ROUNDS: String(rounds), SOAK_STOP_MS: String(stopMs) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
let pending = '';
child.stdout.on('data', (d) => {
  pending += d;
  const lines = pending.split('\n');
  pending = lines.pop();
  for (const line of lines) if (line.includes('[fault-report]') || /Tests|✓|×|FAIL/.test(line)) console.log(line);
});
child.on('close', (code) => process.exit(code ?? 1));
