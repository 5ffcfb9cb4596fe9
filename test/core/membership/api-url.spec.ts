import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/core/events.js';
import { MemberTable } from '../../../src/core/membership/member-table.js';
import { MessageError, parseMembershipRequest } from '../../../src/core/membership/messages.js';
import { SimNetwork, converged } from './sim-network.js';

/** The advertised client API URL on member records (docs/cluster.md §2.2). */
const seedOf = (id: string) => ({ kind: 'id' as const, id, address: `${id}:7946` });
const url = (id: string, port = 8080) => `http://${id}.example:${port}`;

describe('member records carry the client API URL (docs/cluster.md §2.2)', () => {
  it('every node learns every member’s URL through join and gossip', () => {
    const sim = new SimNetwork();
    sim.add({ id: 'n1', apiUrl: url('n1') });
    sim.add({ id: 'n2', apiUrl: url('n2'), seeds: [seedOf('n1')] });
    sim.add({ id: 'n3', apiUrl: url('n3'), seeds: [seedOf('n2')] });
    const all = ['n1', 'n2', 'n3'];
    expect(sim.runUntil(() => converged(sim) && all.every((o) => all.every((s) => sim.view(o, s)?.ApiURL === url(s))), 10_000)).toBeDefined();
    for (const observer of ['n1', 'n2', 'n3']) {
      for (const subject of ['n1', 'n2', 'n3']) expect(sim.view(observer, subject)?.ApiURL, `${observer} sees ${subject}`).toBe(url(subject));
    }
  });

  it('a node that advertises none is still a member, without a URL; the others keep theirs', () => {
    const sim = new SimNetwork();
    sim.add({ id: 'n1', apiUrl: url('n1') });
    sim.add({ id: 'old', seeds: [seedOf('n1')] });
    expect(sim.runUntil(() => converged(sim), 10_000)).toBeDefined();
    sim.runFor(3_000);
    expect(sim.view('n1', 'old')?.State).toBe('alive');
    expect(sim.view('n1', 'old')?.ApiURL).toBeUndefined();
    expect(sim.view('old', 'n1')?.ApiURL).toBe(url('n1'));
  });

  it('a restart with another URL replaces the old one everywhere', () => {
    const sim = new SimNetwork();
    sim.add({ id: 'n1', apiUrl: url('n1') });
    sim.add({ id: 'n2', apiUrl: url('n2'), seeds: [seedOf('n1')] });
    sim.add({ id: 'n3', apiUrl: url('n3'), seeds: [seedOf('n1')] });
    expect(sim.runUntil(() => converged(sim), 10_000)).toBeDefined();
    sim.runFor(2_000);
    sim.restart('n3', { apiUrl: url('n3', 9090) });
    expect(sim.runUntil(() => sim.view('n1', 'n3')?.ApiURL === url('n3', 9090) && sim.view('n2', 'n3')?.ApiURL === url('n3', 9090), 10_000)).toBeDefined();
  });
});

describe('MemberTable URL rules', () => {
  it('a record without a URL keeps the known one; an older incarnation’s URL is not adopted', () => {
    const table = new MemberTable('self', 'self:7946', new EventBus(), 'http://self:8080');
    table.set({ ID: 'p', Address: 'p:7946', State: 'alive', Incarnation: 2, ApiURL: 'http://p:8080' });
    table.set({ ID: 'p', Address: 'p:7946', State: 'suspect', Incarnation: 2 });
    expect(table.get('p')?.ApiURL).toBe('http://p:8080');
    table.learnApiUrl({ ID: 'p', Address: 'p:7946', State: 'alive', Incarnation: 1, ApiURL: 'http://stale:8080' });
    expect(table.get('p')?.ApiURL).toBe('http://p:8080');
    table.learnApiUrl({ ID: 'p', Address: 'p:7946', State: 'alive', Incarnation: 3, ApiURL: 'http://p:9090' });
    expect(table.get('p')?.ApiURL).toBe('http://p:9090');
    expect(table.self().ApiURL).toBe('http://self:8080');
  });
});

describe('wire validation of ApiURL and apiUrl', () => {
  const record = (extra: object) => ({ ID: 'n1', Address: 'n1:7946', State: 'alive', Incarnation: 1, ...extra });

  it('accepts records with and without the field', () => {
    const msg = parseMembershipRequest({ op: 'gossip', members: [record({}), { ...record({ ApiURL: 'https://n2:8443' }), ID: 'n2' }] });
    expect(msg).toEqual({ op: 'gossip', members: [record({}), { ...record({ ApiURL: 'https://n2:8443' }), ID: 'n2' }] });
    expect(parseMembershipRequest({ op: 'join', id: 'n1', address: 'n1:7946', incarnation: 1, apiUrl: 'http://[::1]:8080' })).toMatchObject({ apiUrl: 'http://[::1]:8080' });
  });

  it.each(['n1:8080', 'ftp://n1:21', 'http://n1:8080/path', 'http://', 42, 'http://n 1:8080'])('refuses ApiURL %j', (bad) => {
    expect(() => parseMembershipRequest({ op: 'gossip', members: [record({ ApiURL: bad })] })).toThrow(MessageError);
    expect(() => parseMembershipRequest({ op: 'join', id: 'n1', address: 'n1:7946', incarnation: 1, apiUrl: bad })).toThrow(MessageError);
  });
});
