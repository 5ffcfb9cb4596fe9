import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/core/events.js';
import { MemberTable } from '../../../src/core/membership/member-table.js';
import { Membership } from '../../../src/core/membership/membership.js';
import type { MemberRecord } from '../../../src/core/membership/messages.js';
import { comparePrecedence, isLive } from '../../../src/core/membership/precedence.js';
import { emptyDistMetrics } from '../../../src/core/metrics/dist-metrics.js';
import { SeededRandom } from '../../../src/core/time/random.js';

/**
 * The merge of docs/cluster.md §2 is a join on the precedence order: for members a node already knows, the
 * outcome of any set of gossip messages is the per-ID maximum, whatever the delivery order or
 * duplication. Checked through the real state machine, not a model of it.
 */
const IDS = ['n1', 'n2', 'n3', 'n4'];
const T = 1_000_000;

const recordArb: fc.Arbitrary<MemberRecord> = fc.record({
  ID: fc.constantFrom(...IDS),
  Address: fc.constantFrom('a:1', 'b:2'),
  State: fc.constantFrom('alive', 'suspect', 'dead', 'leaving'),
  Incarnation: fc.integer({ min: 1, max: 4 }),
});
/** One gossip message: records with distinct IDs. */
const messageArb = fc.uniqueArray(recordArb, { selector: (r) => r.ID, minLength: 1, maxLength: IDS.length });
const messagesArb = fc.array(messageArb, { minLength: 1, maxLength: 8 });

function machine(known: readonly MemberRecord[]) {
  const bus = new EventBus();
  const table = new MemberTable('self', 'self:1', bus);
  const m = new Membership({
    table,
    config: { heartbeatMs: 1000, indirectProbeK: 2, gossipIntervalMs: 1000 },
    seeds: [],
    random: new SeededRandom(1),
    counters: emptyDistMetrics(),
  });
  if (known.length > 0) m.receive({ op: 'gossip', members: [...known] }, 'self-test', T);
  const deliver = (msgs: readonly MemberRecord[][]) => {
    for (const members of msgs) m.receive({ op: 'gossip', members }, 'peer', T);
  };
  const snapshot = () => table.list().filter((r) => r.ID !== 'self');
  return { table, bus, deliver, snapshot };
}

const greatest = (rs: MemberRecord[]) => rs.reduce((a, b) => (comparePrecedence(b, a) > 0 ? b : a));

/** Precedence ties between records with different addresses are broken by arrival; compare without Address. */
const claims = (rs: MemberRecord[]) => rs.map(({ ID, State, Incarnation }) => ({ ID, State, Incarnation }));

describe('merge laws (docs/cluster.md §2.1 precedence)', () => {
  const initial = IDS.map((ID) => ({ ID, Address: 'a:1', State: 'alive' as const, Incarnation: 1 }));

  it('known members: any delivery order gives the per-ID precedence maximum', () => {
    fc.assert(
      fc.property(messagesArb.chain((msgs) => fc.tuple(fc.constant(msgs), fc.shuffledSubarray(msgs, { minLength: msgs.length }))), ([msgs, shuffled]) => {
        const a = machine(initial);
        const b = machine(initial);
        a.deliver(msgs);
        b.deliver(shuffled);
        const expected = IDS.map((id) => greatest([initial.find((r) => r.ID === id)!, ...msgs.flat().filter((r) => r.ID === id)]));
        expect(claims(a.snapshot())).toEqual(claims(expected));
        expect(claims(b.snapshot())).toEqual(claims(a.snapshot()));
      }),
      { numRuns: 150 },
    );
  });

  it('idempotent: delivering the same messages again changes nothing, not even the membership version', () => {
    fc.assert(
      fc.property(messagesArb, (msgs) => {
        const a = machine(initial);
        a.deliver(msgs);
        const before = a.snapshot();
        const version = a.table.membershipVersion;
        a.deliver(msgs);
        a.deliver([...msgs].reverse());
        expect(a.snapshot()).toEqual(before);
        expect(a.table.membershipVersion).toBe(version);
      }),
      { numRuns: 150 },
    );
  });

  it('unknown members: a record appears only from the first alive/suspect one, then follows the maximum', () => {
    fc.assert(
      fc.property(messagesArb, (msgs) => {
        const a = machine([]);
        a.deliver(msgs);
        const got = new Map(a.snapshot().map((r) => [r.ID, r]));
        for (const id of IDS) {
          const seq = msgs.flat().filter((r) => r.ID === id);
          const first = seq.findIndex((r) => isLive(r.State));
          if (first < 0) expect(got.has(id)).toBe(false);
          else expect(claims([got.get(id)!])).toEqual(claims([greatest(seq.slice(first))]));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the membership version moves exactly once per applied change', () => {
    fc.assert(
      fc.property(messagesArb, (msgs) => {
        const a = machine(initial);
        let changes = 0;
        a.bus.subscribe((e) => void (e.type === 'member' && changes++));
        const v0 = a.table.membershipVersion;
        a.deliver(msgs);
        expect(a.table.membershipVersion - v0).toBe(changes);
      }),
      { numRuns: 100 },
    );
  });
});
