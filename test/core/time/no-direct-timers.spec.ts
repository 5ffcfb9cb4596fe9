import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = join(import.meta.dirname, '../../../src/core');
/** The system implementations of the `Clock` and `Scheduler` ports: the only core files that touch the runtime's time. */
const SYSTEM_TIME = ['time/clock.ts', 'time/scheduler.ts'];
/** Wall time, monotonic time, timers and deferrals the runtime offers directly. */
const DIRECT_TIME =
  /\b(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|clearImmediate|queueMicrotask|nextTick)\b|process\.hrtime|performance\.now|Date\.now|new Date\b|node:timers/g;

function coreFiles(): string[] {
  return readdirSync(CORE, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split('\\').join('/'));
}

/** `file:line: text` for every line of `source` that reads time or timers directly (comments included: they mislead too). */
function directUses(file: string, source: string): string[] {
  return source.split('\n').flatMap((line, i) => (line.match(DIRECT_TIME) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}

describe('the core reads time only through the injected Clock and Scheduler', () => {
  it('no core file outside the system clock and scheduler uses timers or wall/monotonic time directly', () => {
    const files = coreFiles();
    expect(files.length).toBeGreaterThan(40);
    const found = files
      .filter((f) => !SYSTEM_TIME.includes(f))
      .flatMap((f) => directUses(f, readFileSync(join(CORE, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it('the check finds what it looks for: the system implementations do use the runtime directly', () => {
    for (const f of SYSTEM_TIME) expect(directUses(f, readFileSync(join(CORE, f), 'utf8')).length, f).toBeGreaterThan(0);
    const sample = 'await new Promise((r) => setImmediate(r));\nconst t = process.hrtime.bigint();\nconst u = clock.hrtimeNs();';
    expect(directUses('x.ts', sample)).toEqual(['x.ts:1: await new Promise((r) => setImmediate(r));', 'x.ts:2: const t = process.hrtime.bigint();']);
  });
});
