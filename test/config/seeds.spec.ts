import { describe, expect, it } from 'vitest';
import { SeedSyntaxError, excludeSelf, parseSeeds } from '../../src/config/seeds.js';

describe('parseSeeds', () => {
  it('parses the three entry forms, trimming entries and dropping empty ones', () => {
    expect(parseSeeds(' node-2@10.0.0.2:7946 ,, hc-3:7946,dns+hc-headless.ns.svc:7946 , [::1]:7000,')).toEqual([
      { kind: 'id', id: 'node-2', host: '10.0.0.2', port: 7946, raw: 'node-2@10.0.0.2:7946' },
      { kind: 'addr', host: 'hc-3', port: 7946, raw: 'hc-3:7946' },
      { kind: 'dns', host: 'hc-headless.ns.svc', port: 7946, raw: 'dns+hc-headless.ns.svc:7946' },
      { kind: 'addr', host: '::1', port: 7000, raw: '[::1]:7000' },
    ]);
  });

  it.each(['', ' ', ',', ' , ,'])('gives no entry for %j', (list) => {
    expect(parseSeeds(list)).toEqual([]);
  });

  it.each([
    ['n1@h', /entry "n1@h"/],
    ['h', /entry "h"/],
    [':7946', /concrete host/],
    ['0.0.0.0:7946', /concrete host/],
    ['[::]:7946', /concrete host/],
    ['h:0', /port 0/],
    ['h:65536', /port/],
    ['@h:1', /invalid node ID ""/],
    ['-n@h:1', /invalid node ID "-n"/],
    ['a b@h:1', /invalid node ID/],
    [`${'n'.repeat(254)}@h:1`, /invalid node ID/],
    ['n1@n2@h:1', /entry "n1@n2@h:1"/],
    ['dns+n1@h:1', /entry/],
    ['dns+:7946', /concrete host/],
    ['DNS+h:1', /entry/],
    ['ok:1,bad', /entry "bad"/],
  ])('rejects %j', (list, detail) => {
    expect(() => parseSeeds(list)).toThrow(SeedSyntaxError);
    expect(() => parseSeeds(list)).toThrow(detail);
  });

  it('accepts the longest node ID', () => {
    const id = 'n'.repeat(253);
    expect(parseSeeds(`${id}@h:1`)).toEqual([{ kind: 'id', id, host: 'h', port: 1, raw: `${id}@h:1` }]);
  });
});

describe('excludeSelf', () => {
  const self = { nodeId: 'node-1', advertiseAddr: 'Node-1.svc:7946' };

  it('drops entries with our ID or our advertised address, keeps dns+ entries', () => {
    const seeds = parseSeeds(
      [
        'node-1@10.0.0.9:7946', // same ID, other address
        'node-2@10.0.0.2:7946',
        'node-1.svc:7946', // same address (host case-insensitive)
        'node-1.svc:7947',
        'node-3@NODE-1.SVC:7946', // our address under another ID
        'dns+node-1.svc:7946', // dns entries are recognised by the ID in the reply, later
      ].join(','),
    );
    expect(excludeSelf(seeds, self).map((seed) => seed.raw)).toEqual([
      'node-2@10.0.0.2:7946',
      'node-1.svc:7947',
      'dns+node-1.svc:7946',
    ]);
  });

  it('compares IPv6 advertised addresses without brackets', () => {
    const seeds = parseSeeds('[fd00::1]:7946,[fd00::2]:7946');
    expect(excludeSelf(seeds, { nodeId: 'x', advertiseAddr: '[FD00::1]:7946' }).map((s) => s.raw)).toEqual([
      '[fd00::2]:7946',
    ]);
  });

  it('keeps everything when nothing names self', () => {
    const seeds = parseSeeds('a@h1:1,h2:2');
    expect(excludeSelf(seeds, self)).toEqual(seeds);
  });
});
