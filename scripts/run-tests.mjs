#!/usr/bin/env node
// `npm test`: Vitest with its usual output, then ONE closing line `N passed, N failed[, N skipped]`
// computed from Vitest's JSON report, because this machine's CI reads that line (see STACK.md).
// Extra arguments go to Vitest (`npm test -- test/openapi`). Exit code: Vitest's, and never 0
// when the report is missing or counts a failure.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const REPORT = '.test-results/vitest.json';
rmSync(REPORT, { force: true }); // a stale report must not stand in for this run

const vitestPkg = createRequire(import.meta.url).resolve('vitest/package.json');
const vitest = join(dirname(vitestPkg), 'vitest.mjs');
const args = ['run', '--reporter=default', '--reporter=json', `--outputFile=${REPORT}`, ...process.argv.slice(2)];
const child = spawn(process.execPath, [vitest, ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));

child.on('close', (code, signal) => {
  let counts;
  try {
    counts = existsSync(REPORT) ? JSON.parse(readFileSync(REPORT, 'utf8')) : undefined;
  } catch {
    counts = undefined;
  }
  const passed = counts?.numPassedTests ?? 0;
  // No report means the run itself failed (crash, config error): count that as one failure.
  const failed = counts ? counts.numFailedTests : 1;
  const skipped = counts ? (counts.numPendingTests ?? 0) + (counts.numTodoTests ?? 0) : 0;
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  const vitestCode = code ?? (signal ? 1 : 0);
  process.exit(vitestCode !== 0 ? vitestCode : failed > 0 || !counts ? 1 : 0);
});
