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
  // A suite whose set-up failed (beforeAll, import) reports its tests as skipped: they are failures.
  const unrun = counts ? brokenSuiteTests(counts) : 0;
  // No report means the run itself failed (crash, config error): count that as one failure.
  const failed = counts ? counts.numFailedTests + unrun : 1;
  const skipped = counts ? Math.max(0, (counts.numPendingTests ?? 0) + (counts.numTodoTests ?? 0) - unrun) : 0;
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  const vitestCode = code ?? (signal ? 1 : 0);
  process.exit(vitestCode !== 0 ? vitestCode : failed > 0 || !counts ? 1 : 0);
});

/** Tests of failed suites that did not run (at least 1 per failed suite with no failed test of its own). */
function brokenSuiteTests(report) {
  let n = 0;
  for (const suite of report.testResults ?? []) {
    if (suite.status !== 'failed') continue;
    const results = suite.assertionResults ?? [];
    if (results.some((t) => t.status === 'failed')) continue;
    const unrun = results.filter((t) => t.status !== 'passed').length;
    n += Math.max(1, unrun);
  }
  return n;
}
