import { describe, expect, it } from 'vitest';
import { PeriodicLoop } from '../../../src/core/time/loop.js';
import { ManualScheduler } from '../../support/manual-scheduler.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('PeriodicLoop (docs/cluster.md §11)', () => {
  it('registers its interval on start and cancels on stop; start is idempotent', () => {
    const scheduler = new ManualScheduler();
    const loop = new PeriodicLoop('x', 100, () => {}, () => {}, scheduler);
    loop.start();
    loop.start();
    expect(scheduler.intervals).toEqual([100]);
    loop.stop();
    expect(scheduler.intervals).toEqual([]);
    loop.start();
    expect(scheduler.intervals).toEqual([100]);
  });

  it('skips a tick while the previous run is still going, and reports each skipped tick', async () => {
    const scheduler = new ManualScheduler();
    let runs = 0;
    let skipped = 0;
    let gate = deferred();
    const loop = new PeriodicLoop('slow', 100, () => {
      runs++;
      return gate.promise;
    }, () => {}, scheduler, () => skipped++);
    loop.start();
    scheduler.fire(100);
    scheduler.fire(100);
    scheduler.fire(100);
    expect(runs).toBe(1);
    expect(skipped).toBe(2);
    gate.resolve();
    await flush();
    gate = deferred();
    scheduler.fire(100);
    expect(runs).toBe(2);
    expect(skipped).toBe(2);
    gate.resolve();
    await flush();
  });

  it('reports errors (thrown or rejected) and goes on', async () => {
    const scheduler = new ManualScheduler();
    const errors: [string, unknown][] = [];
    const failures: (() => void | Promise<void>)[] = [
      () => {
        throw new Error('sync');
      },
      () => Promise.reject(new Error('async')),
      () => {},
    ];
    let i = 0;
    const loop = new PeriodicLoop('flaky', 100, () => failures[i++]!(), (name, err) => errors.push([name, err]), scheduler);
    loop.start();
    for (let k = 0; k < 3; k++) {
      scheduler.fire(100);
      await flush();
    }
    expect(i).toBe(3);
    expect(errors.map(([name, err]) => [name, (err as Error).message])).toEqual([['flaky', 'sync'], ['flaky', 'async']]);
  });

  it('tick() can be awaited directly', async () => {
    let runs = 0;
    const loop = new PeriodicLoop('direct', 100, async () => {
      runs++;
    }, () => {}, new ManualScheduler());
    await loop.tick();
    await loop.tick();
    expect(runs).toBe(2);
  });
});
