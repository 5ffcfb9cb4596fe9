import { describe, expect, it } from 'vitest';
import { parseSeeds } from '../../../src/config/seeds.js';
import { seedSpecsOf } from '../../../src/core/membership/seed-spec.js';

describe('seedSpecsOf', () => {
  it('turns the parsed HYPERCACHE_SEEDS entries into dialable seeds, bracketing IPv6 literals', () => {
    expect(seedSpecsOf(parseSeeds('node-1@hypercache-1:7946, 10.0.0.2:7946, [::1]:7946, dns+hypercache-headless:7946'))).toEqual([
      { kind: 'id', id: 'node-1', address: 'hypercache-1:7946' },
      { kind: 'addr', address: '10.0.0.2:7946' },
      { kind: 'addr', address: '[::1]:7946' },
      { kind: 'dns', name: 'hypercache-headless:7946' },
    ]);
  });
});
