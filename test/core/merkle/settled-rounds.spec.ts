import { beforeAll, describe, expect, it, vi } from 'vitest';
import { SETTLE_MS, settledBefore } from '../../../src/core/merkle/anti-entropy.js';
import { SLICE_MS } from '../../../src/core/merkle/co-owned-trees.js';
import type { Hash64 } from '../../../src/core/ring/hash-ring.js';
import { loadXxHash64 } from '../../../src/core/ring/xxhash64.js';
import { T0, item } from '../store/fixtures.js';
import { MemoryNetwork } from './memory-network.js';

let hash: Hash64;
beforeAll(async () => {
  hash = await loadXxHash64();
});

const V = T0 * 1000;

describe('anti-entropy rounds over the incrementally kept leaves (issue 18)', () => {
  it('the cutoff is the start of the slice SETTLE_MS back', () => {
    expect(settledBefore(T0 + SETTLE_MS)).toBe(T0);
    expect(settledBefore(T0 + SETTLE_MS + SLICE_MS - 1)).toBe(T0);
    expect(settledBefore(T0 + SETTLE_MS + SLICE_MS)).toBe(T0 + SLICE_MS);
  });

  it('a write still within the settle window is no difference; once settled, the same round repairs it', async () => {
    const net = new MemoryNetwork(['node-1', 'node-2'], hash);
    const ae = net.ae.get('node-1')!;
    for (let i = 0; i < 100; i++) for (const id of ['node-1', 'node-2']) net.seed(id, item(`k${i}`, 'v', V + i, 'node-1'));
    net.clock.advance(SETTLE_MS + SLICE_MS);
    expect(await ae.round()).toBe('clean');

    // A new key that reached node-2 only, issued now: in flight as far as a round can tell. (An
    // overwrite in flight does show: the older version it replaced was settled on one side only.)
    net.seed('node-2', item('fresh', 'new', (T0 + SETTLE_MS + SLICE_MS) * 1000, 'node-2'));
    expect(await ae.round()).toBe('clean');
    expect(net.calls.filter((c) => c.want === 'entries')).toEqual([]);

    net.clock.advance(SETTLE_MS + SLICE_MS);
    expect(await ae.round()).toBe('repaired');
    expect(net.node('node-1').store.read('fresh')?.value.toString()).toBe('new');
  });

  it('a clean round reads no entry of the store, on either side', async () => {
    const net = new MemoryNetwork(['node-1', 'node-2'], hash);
    for (let i = 0; i < 20_000; i++) for (const id of ['node-1', 'node-2']) net.seed(id, item(`key-${i}`, 'v', V + i, 'node-1'));
    expect(await net.round('node-1')).toBe('clean'); // builds the leaves once
    const spies = ['node-1', 'node-2'].flatMap((id) => {
      const store = net.node(id).store;
      return [vi.spyOn(store, 'allEntries'), vi.spyOn(store, 'entriesWhere'), vi.spyOn(store, 'scanTuples'), vi.spyOn(store, 'peek')];
    });
    for (let i = 0; i < 5; i++) {
      net.seed('node-1', item(`more-${i}`, 'v', (net.clock.now() - 10_000) * 1000, 'node-1'));
      net.seed('node-2', item(`more-${i}`, 'v', (net.clock.now() - 10_000) * 1000, 'node-1'));
      expect(await net.round(i % 2 === 0 ? 'node-1' : 'node-2')).toBe('clean');
    }
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
