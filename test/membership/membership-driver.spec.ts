import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { MemberTable } from '../../src/core/membership/member-table.js';
import { DNS_RESOLVE_INTERVAL_MS, JOIN_GRACE_MS, Membership } from '../../src/core/membership/membership.js';
import type { MemberRecord, MembershipReply, MembershipRequest } from '../../src/core/membership/messages.js';
import type { SeedSpec } from '../../src/core/membership/seed-spec.js';
import { emptyDistMetrics } from '../../src/core/metrics/dist-metrics.js';
import { SeededRandom } from '../../src/core/time/random.js';
import { type DnsSeed, MembershipDriver, type MembershipTransport } from '../../src/membership/membership-driver.js';
import { ManualScheduler } from '../support/manual-scheduler.js';

const HB = 200;
const GOSSIP = 300;
const rec = (ID: string, Incarnation = 1): MemberRecord => ({ ID, Address: `${ID}:7946`, State: 'alive', Incarnation });

interface Call {
  to: string;
  msg: MembershipRequest;
  timeoutMs: number;
  answer(reply: MembershipReply | null): void;
  fail(err: unknown): void;
}

/** A transport whose calls the test answers by hand. */
class ScriptedTransport implements MembershipTransport {
  readonly calls: Call[] = [];
  send(to: string, msg: MembershipRequest, timeoutMs: number): Promise<MembershipReply | null> {
    return new Promise((resolve, reject) => this.calls.push({ to, msg, timeoutMs, answer: resolve, fail: reject }));
  }
  take(op: MembershipRequest['op']): Call[] {
    const out = this.calls.filter((c) => c.msg.op === op);
    for (const c of out) this.calls.splice(this.calls.indexOf(c), 1);
    return out;
  }
}

function setup(opts: { seeds?: SeedSpec[]; dnsSeeds?: DnsSeed[]; resolve?: (s: readonly DnsSeed[]) => Promise<string[]> } = {}) {
  let now = 1_000_000;
  const table = new MemberTable('self', 'self:7946', new EventBus());
  const counters = emptyDistMetrics();
  const machine = new Membership({
    table, config: { heartbeatMs: HB, indirectProbeK: 1, gossipIntervalMs: GOSSIP }, seeds: opts.seeds ?? [], random: new SeededRandom(3), counters,
  });
  const transport = new ScriptedTransport();
  const logs: Array<{ level: string; msg: string; attrs: Record<string, unknown> }> = [];
  const log = (level: string) => (attrs: Record<string, unknown>, msg: string) => logs.push({ level, msg, attrs });
  const scheduler = new ManualScheduler();
  const driver = new MembershipDriver({
    machine, transport, heartbeatMs: HB, gossipIntervalMs: GOSSIP,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } as never,
    dnsSeeds: opts.dnsSeeds ?? [], resolve: opts.resolve ?? (async () => []),
    now: () => now, scheduler,
  });
  return { driver, machine, table, counters, transport, logs, scheduler, advance: (ms: number) => (now += ms) };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('MembershipDriver: loops and sends (docs/cluster.md §2, §11)', () => {
  it('start joins through the seeds at once and registers the heartbeat, gossip and 1 s seed loops', async () => {
    const { driver, machine, transport, scheduler, logs, table } = setup({ seeds: [{ kind: 'addr', address: 'seed:7946' }] });
    driver.start();
    driver.start();
    expect(scheduler.intervals.sort((a, b) => a - b)).toEqual([HB, GOSSIP, 1000]);
    const [join] = transport.take('join');
    expect(join).toMatchObject({ to: 'seed:7946', timeoutMs: 2000, msg: { op: 'join', id: 'self', address: 'self:7946', incarnation: 1 } });
    expect(transport.calls).toEqual([]);
    join!.answer({ op: 'join', id: 'seed', members: [rec('self'), rec('seed')] });
    await settle();
    expect(table.get('seed')).toEqual({ ...rec('seed'), Address: 'seed:7946' });
    expect(machine.isJoined()).toBe(true);
    expect(logs).toContainEqual({ level: 'info', msg: 'cluster joined', attrs: { via: 'join' } });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'info', msg: 'member state changed', attrs: { peer_id: 'seed', from: null, to: 'alive', incarnation: 1 } }));
  });

  it('each heartbeat probes with HEARTBEAT/2; a failed call (null or a throw) is one failure, reported exactly once', async () => {
    const { driver, transport, scheduler, counters, machine } = setup();
    machine.receive({ op: 'gossip', members: [rec('b'), rec('c')] }, 'b', 1_000_000);
    driver.start();
    scheduler.fire(HB);
    const pings = transport.take('ping');
    expect(pings.map((p) => [p.to, p.timeoutMs])).toEqual([['b:7946', HB / 2], ['c:7946', HB / 2]]);
    pings[0]!.answer({ op: 'ping', id: 'b', incarnation: 1, state: 'alive' });
    pings[1]!.fail(new Error('boom'));
    await settle();
    expect([counters.HeartbeatSuccess, counters.HeartbeatFailure]).toEqual([1, 1]);
    // The failed probe of c asks the one other alive member (b) to relay.
    const [relay] = transport.take('ping_req');
    expect(relay).toMatchObject({ to: 'b:7946', msg: { op: 'ping_req', target: 'c' } });
    relay!.answer({ op: 'ping_req', reachable: true });
    await settle();
    expect(counters.IndirectProbeSuccess).toBe(1);
    scheduler.fire(GOSSIP);
    expect(transport.take('gossip')).toHaveLength(1);
  });

  it('logs the docs/lifecycle.md §5 events of the effects: WARN when the join grace passes with no seed reachable', async () => {
    const { driver, machine, transport, scheduler, logs, advance } = setup({ seeds: [{ kind: 'addr', address: 'nobody:7946' }] });
    driver.start();
    for (const call of transport.take('join')) call.answer(null);
    await settle();
    expect(machine.isJoined()).toBe(false);
    advance(JOIN_GRACE_MS);
    scheduler.fire(1000);
    expect(machine.isJoined()).toBe(true);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['no seed reachable; serving as a single-node cluster']);
  });

  it('stop removes every timer; sends asked for afterwards fail at once without touching the wire', async () => {
    const { driver, transport, scheduler, machine } = setup();
    machine.receive({ op: 'gossip', members: [rec('b')] }, 'b', 1_000_000);
    driver.start();
    driver.stop();
    expect(scheduler.intervals).toEqual([]);
    const reply = await driver.receive({ op: 'ping_req', target: 'b', address: 'b:7946' }, 'c');
    expect(reply).toEqual({ op: 'ping_req', reachable: false });
    expect(transport.calls).toEqual([]);
  });
});

describe('MembershipDriver: inbound requests', () => {
  it('answers ping at once and ping_req once the relayed ping has finished', async () => {
    const { driver, transport, machine } = setup();
    machine.receive({ op: 'gossip', members: [rec('b'), rec('c')] }, 'b', 1_000_000);
    expect(await driver.receive({ op: 'ping', from: 'b', fromIncarnation: 1, fromState: 'alive' }, 'b')).toEqual({
      op: 'ping', id: 'self', incarnation: 1, state: 'alive',
    });
    let answered: MembershipReply | undefined;
    const pending = driver.receive({ op: 'ping_req', target: 'c', address: 'c:7946' }, 'b').then((r) => (answered = r));
    await settle();
    expect(answered).toBeUndefined();
    const [relayed] = transport.take('ping');
    expect(relayed).toMatchObject({ to: 'c:7946', timeoutMs: HB / 2 });
    relayed!.answer({ op: 'ping', id: 'c', incarnation: 1, state: 'alive' });
    expect(await pending).toEqual({ op: 'ping_req', reachable: true });

    const unreachable = driver.receive({ op: 'ping_req', target: 'c', address: 'c:7946' }, 'b');
    transport.take('ping')[0]!.answer(null);
    expect(await unreachable).toEqual({ op: 'ping_req', reachable: false });
  });

  it('peer contact refreshes the failure detector', () => {
    const { driver, machine, advance, table } = setup();
    machine.receive({ op: 'gossip', members: [rec('b')] }, 'b', 1_000_000);
    driver.start();
    for (let i = 0; i < 10; i++) {
      advance(HB);
      driver.contact('b');
      machine.tick(1_000_000 + (i + 1) * HB);
    }
    expect(table.get('b')?.State).toBe('alive');
  });
});

describe('MembershipDriver: dns+ seeds', () => {
  it('resolves at boot and every 5 s; the next seed tick contacts what was found; an empty answer keeps the last one', async () => {
    const answers = [['10.0.0.1:7946', '10.0.0.2:7946'], [], ['10.0.0.3:7946']];
    const asked: DnsSeed[][] = [];
    const { driver, transport, scheduler, advance } = setup({
      seeds: [{ kind: 'dns', name: 'svc:7946' }],
      dnsSeeds: [{ host: 'svc', port: 7946 }],
      resolve: async (seeds) => {
        asked.push([...seeds]);
        return answers.shift() ?? [];
      },
    });
    driver.start();
    expect(scheduler.intervals).toContain(DNS_RESOLVE_INTERVAL_MS);
    await settle();
    expect(asked).toEqual([[{ host: 'svc', port: 7946 }]]);
    advance(1000);
    scheduler.fire(1000);
    expect(transport.take('join').map((c) => c.to).sort()).toEqual(['10.0.0.1:7946', '10.0.0.2:7946']);

    scheduler.fire(DNS_RESOLVE_INTERVAL_MS);
    await settle();
    advance(1000);
    scheduler.fire(1000);
    // Those two joins are still in flight, so they are not sent again; the empty answer changed nothing.
    expect(transport.take('join')).toEqual([]);

    scheduler.fire(DNS_RESOLVE_INTERVAL_MS);
    await settle();
    advance(1000);
    scheduler.fire(1000);
    expect(transport.take('join').map((c) => c.to)).toEqual(['10.0.0.3:7946']);
  });
});
