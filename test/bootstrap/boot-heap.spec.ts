import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The young-generation hold of src/bootstrap/boot-heap.ts, in a fresh process (it sets V8 flags for
// the whole process): the built module, as `node dist/main.js` loads it first.
const BOOT_HEAP = new URL('../../dist/bootstrap/boot-heap.js', import.meta.url).href;

/** Keeps a third of `n` small objects alive (survivors are what make V8 grow the new space); prints its size in MiB. */
const SCRIPT = `
import { getHeapSpaceStatistics } from 'node:v8';
const { releaseYoungGeneration } = await import(process.env.BOOT_HEAP);
const keep = [];
const survive = (n) => { for (let i = 0; i < n; i++) { const o = { i, s: 'x' + i }; if (i % 3 === 0) keep.push(o); } };
const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20;
survive(2e6);
const held = newSpace();
releaseYoungGeneration();
survive(2e6);
console.log(JSON.stringify({ held, released: newSpace() }));
`;

function run(extraArgs: string[]): { held: number; released: number } {
  const res = spawnSync(process.execPath, [...extraArgs, '--input-type=module', '-e', SCRIPT], {
    env: { ...process.env, BOOT_HEAP, NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(res.status, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as { held: number; released: number };
}

describe('boot-heap', () => {
  it('holds the new space at its initial size while loaded, then lets it grow to the maximum at once', () => {
    const { held, released } = run([]);
    expect(held).toBeLessThanOrEqual(2);
    expect(released).toBeGreaterThanOrEqual(16);
  });

  it('leaves a node started with its own semi-space setting alone', () => {
    const { held } = run(['--max-semi-space-size=8']);
    expect(held).toBeGreaterThan(2);
  });
});
