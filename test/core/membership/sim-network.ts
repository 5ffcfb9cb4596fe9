import { type ClusterEvent, EventBus, type MemberView } from '../../../src/core/events.js';
import type { Effect } from '../../../src/core/membership/effects.js';
import { MemberTable } from '../../../src/core/membership/member-table.js';
import { Membership, type MembershipConfig, type Received } from '../../../src/core/membership/membership.js';
import type { MembershipReply, MembershipRequest } from '../../../src/core/membership/messages.js';
import type { SeedSpec } from '../../../src/core/membership/seed-spec.js';
import { type DistMetrics, emptyDistMetrics } from '../../../src/core/metrics/dist-metrics.js';
import { ManualClock } from '../../../src/core/time/clock.js';
import { SeededRandom } from '../../../src/core/time/random.js';

/**
 * An in-memory network of membership state machines, in the hashicorp/memberlist manner: the
 * harness does the caller's job (timers, delivery, timeouts) on a ManualClock, so every run is
 * deterministic for a given seed. A blocked link `a → b` loses the requests `a` sends to `b`
 * (a firewall on connection set-up); replies ride the request's connection and are lost only to
 * random loss.
 */
export interface SimNodeSpec {
  id: string;
  address?: string;
  /** Other addresses the node answers at (e.g. the IPs a `dns+` seed resolves to). */
  aliases?: string[];
  seeds?: SeedSpec[];
  /** The client API URL the node advertises with its record (absent: a node that advertises none). */
  apiUrl?: string;
  /**
   * Drive an existing table and machine (a real CacheNode's) instead of fresh ones; called at boot.
   * The machine's own seeds apply then, not `seeds` (which only feeds the `dns` resolution).
   */
  attach?: () => AttachedMachine;
}

export interface AttachedMachine {
  table: MemberTable;
  machine: Membership;
  counters: DistMetrics;
  /** The bus `table` publishes on. */
  bus: EventBus;
}

export interface SimOptions {
  heartbeatMs?: number;
  gossipIntervalMs?: number;
  indirectProbeK?: number;
  /** Seed of the network's own randomness (latency, loss, tick phases) and of each node's Random. */
  seed?: number;
  /** One-way latency range in ms. */
  latencyMs?: [number, number];
}

/** A non-I/O effect with the simulated time it was produced at. */
export type LoggedEffect = Exclude<Effect, { type: 'send' } | { type: 'reply' }> & { at: number };

export class SimNode {
  up = true;
  /** Frozen (SIGSTOP): its timers and inbound traffic wait in `held` until `thaw`. */
  frozen = false;
  readonly held: Array<() => void> = [];
  generation = 0;
  table!: MemberTable;
  machine!: Membership;
  events: ClusterEvent[] = [];
  counters: DistMetrics = emptyDistMetrics();
  log: LoggedEffect[] = [];
  /** Requests this node sent, by op. */
  sent: Record<string, number> = {};
  readonly deferred = new Map<number, (reply: MembershipReply) => void>();

  constructor(public spec: SimNodeSpec & { address: string }) {}

  get id(): string {
    return this.spec.id;
  }

  get address(): string {
    return this.spec.address;
  }
}

interface Scheduled {
  at: number;
  order: number;
  fn: () => void;
}

export class SimNetwork {
  readonly clock = new ManualClock(1_000_000);
  readonly config: MembershipConfig;
  readonly dns = new Map<string, string[]>();
  /** Probability that any single request or reply is lost. */
  loss = 0;
  sent = 0;
  private readonly nodes = new Map<string, SimNode>();
  private readonly blocked = new Set<string>();
  private readonly rng: SeededRandom;
  private readonly seed: number;
  private readonly latency: [number, number];
  private readonly heap: Scheduled[] = [];
  private order = 0;

  constructor(opts: SimOptions = {}) {
    this.config = {
      heartbeatMs: opts.heartbeatMs ?? 1000,
      gossipIntervalMs: opts.gossipIntervalMs ?? 1000,
      indirectProbeK: opts.indirectProbeK ?? 2,
    };
    this.seed = opts.seed ?? 1;
    this.rng = new SeededRandom(this.seed);
    this.latency = opts.latencyMs ?? [1, 10];
  }

  get now(): number {
    return this.clock.now();
  }

  node(id: string): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no sim node ${id}`);
    return n;
  }

  ids(): string[] {
    return [...this.nodes.keys()];
  }

  upIds(): string[] {
    return [...this.nodes.values()].filter((n) => n.up).map((n) => n.id);
  }

  /** Boots a node now (startup step 9): a fresh table and machine, ticks at random phases. */
  add(spec: SimNodeSpec): SimNode {
    const node = new SimNode({ ...spec, address: spec.address ?? `${spec.id}:7946` });
    this.nodes.set(node.id, node);
    this.boot(node);
    return node;
  }

  /** Crash: the node stops ticking, receiving and answering. */
  kill(id: string): void {
    this.node(id).up = false;
  }

  /** A new process with the same ID and address: incarnation starts at 1 again. */
  restart(id: string, spec: Partial<SimNodeSpec> = {}): SimNode {
    const node = this.node(id);
    node.spec = { ...node.spec, ...spec };
    node.up = true;
    node.generation++;
    node.deferred.clear();
    this.boot(node);
    return node;
  }

  /**
   * SIGSTOP: the node's clock keeps running but nothing of it runs. Its due ticks, the timeouts of
   * its own calls, the requests sent to it and the replies it awaits wait, in due order, until `thaw`.
   */
  freeze(id: string): void {
    this.node(id).frozen = true;
  }

  /** SIGCONT: everything the node missed runs now, in due order (a timer fires once, late, then on period). */
  thaw(id: string): void {
    const node = this.node(id);
    node.frozen = false;
    for (const fn of node.held.splice(0)) fn();
  }

  block(from: string, to: string): void {
    this.blocked.add(`${from}>${to}`);
  }

  blockBoth(a: string, b: string): void {
    this.block(a, b);
    this.block(b, a);
  }

  partition(left: readonly string[], right: readonly string[]): void {
    for (const a of left) for (const b of right) this.blockBoth(a, b);
  }

  heal(): void {
    this.blocked.clear();
  }

  /** Graceful leave (drain) of `id`, now. */
  leave(id: string): void {
    const node = this.node(id);
    this.apply(node, node.generation, node.machine.leave());
  }

  /** Hands a request to `to` as if `from` had sent it, now; returns the machine's answer. */
  inject(to: string, req: MembershipRequest, from: string): Received {
    const node = this.node(to);
    const r = node.machine.receive(req, from, this.now);
    this.apply(node, node.generation, r.effects);
    return r;
  }

  view(observer: string, subject: string): MemberView | undefined {
    return this.node(observer).table.get(subject);
  }

  runFor(ms: number): void {
    const end = this.now + ms;
    while (this.heap.length > 0 && this.heap[0]!.at <= end) this.step();
    this.clock.set(end);
  }

  /** Runs until `pred` holds (checked after every event); returns the elapsed ms, or undefined after `maxMs`. */
  runUntil(pred: () => boolean, maxMs: number): number | undefined {
    const start = this.now;
    if (pred()) return 0;
    const end = start + maxMs;
    while (this.heap.length > 0 && this.heap[0]!.at <= end) {
      this.step();
      if (pred()) return this.now - start;
    }
    this.clock.set(end);
    return undefined;
  }

  private boot(node: SimNode): void {
    const gen = node.generation;
    node.events = [];
    const attached = node.spec.attach?.();
    const bus = attached?.bus ?? new EventBus();
    bus.subscribe((e) => node.events.push(e));
    if (attached) {
      node.table = attached.table;
      node.machine = attached.machine;
      node.counters = attached.counters;
    } else {
      node.table = new MemberTable(node.id, node.address, bus, node.spec.apiUrl);
      node.machine = new Membership({
        table: node.table,
        config: this.config,
        seeds: node.spec.seeds ?? [],
        random: new SeededRandom(this.seed * 7919 + hashId(node.id) + gen * 104729),
        counters: node.counters,
      });
    }
    this.apply(node, gen, node.machine.start(this.now, this.resolve(node)));
    const { heartbeatMs, gossipIntervalMs } = this.config;
    this.every(node, gen, this.now + this.rng.int(heartbeatMs), heartbeatMs, () => node.machine.tick(this.now));
    this.every(node, gen, this.now + this.rng.int(gossipIntervalMs), gossipIntervalMs, () => node.machine.gossipTick(this.now));
    this.every(node, gen, this.now + 1000, 1000, () => node.machine.seedTick(this.now, this.resolve(node)));
  }

  private resolve(node: SimNode): string[] {
    return (node.spec.seeds ?? []).flatMap((s) => (s.kind === 'dns' ? this.dns.get(s.name) ?? [] : []));
  }

  private every(node: SimNode, gen: number, first: number, period: number, body: () => Effect[]): void {
    const run = (): void => {
      if (!this.current(node, gen)) return;
      this.apply(node, gen, body());
      this.atNode(node, this.now + period, run);
    };
    this.atNode(node, first, run);
  }

  /** Runs `fn` for `node` at `at`, or once the node thaws when it is frozen then. */
  private atNode(node: SimNode, at: number, fn: () => void): void {
    const go = (): void => {
      if (node.frozen) node.held.push(go);
      else fn();
    };
    this.at(at, go);
  }

  private current(node: SimNode, gen: number): boolean {
    return node.up && node.generation === gen;
  }

  private apply(node: SimNode, gen: number, effects: Effect[]): void {
    for (const e of effects) {
      if (e.type === 'send') this.transmit(node, gen, e);
      else if (e.type === 'reply') {
        const answer = node.deferred.get(e.token);
        node.deferred.delete(e.token);
        answer?.(e.msg);
      } else node.log.push({ ...e, at: this.now });
    }
  }

  private transmit(from: SimNode, gen: number, e: Extract<Effect, { type: 'send' }>): void {
    this.sent++;
    from.sent[e.msg.op] = (from.sent[e.msg.op] ?? 0) + 1;
    let settled = false;
    const settle = (reply: MembershipReply | null): void => {
      if (settled) return;
      settled = true;
      if (this.current(from, gen)) this.apply(from, gen, from.machine.response(e.seq, reply, this.now));
    };
    this.atNode(from, this.now + e.timeoutMs, () => settle(null));
    const target = [...this.nodes.values()].find((n) => n.address === e.to || n.spec.aliases?.includes(e.to));
    if (!target || this.blocked.has(`${from.id}>${target.id}`) || this.lost()) return;
    this.atNode(target, this.now + this.delay(), () => {
      // A caller that gave up (timed out) has closed its connection: a frozen node never reads it.
      if (!target.up || settled) return;
      const tgen = target.generation;
      const r = target.machine.receive(e.msg, from.id, this.now);
      this.apply(target, tgen, r.effects);
      const back = (reply: MembershipReply): void => {
        if (!this.lost()) this.atNode(from, this.now + this.delay(), () => settle(reply));
      };
      if (r.reply) back(r.reply);
      else if (r.deferred !== undefined) target.deferred.set(r.deferred, back);
    });
  }

  private delay(): number {
    const [lo, hi] = this.latency;
    return lo + this.rng.int(hi - lo + 1);
  }

  private lost(): boolean {
    return this.loss > 0 && this.rng.next() < this.loss;
  }

  private at(at: number, fn: () => void): void {
    const item: Scheduled = { at, order: this.order++, fn };
    const h = this.heap;
    h.push(item);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private step(): void {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    this.clock.set(top.at);
    top.fn();
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.at !== b.at ? a.at < b.at : a.order < b.order;
}

function hashId(id: string): number {
  let h = 0;
  for (const ch of id) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/** Every observer's view of `subject` satisfies `pred`. */
export function everyView(sim: SimNetwork, observers: readonly string[], subject: string, pred: (m: MemberView | undefined) => boolean): boolean {
  return observers.every((o) => pred(sim.view(o, subject)));
}

/** Every up node holds every up node `alive`, all agreeing on each member's incarnation. */
export function converged(sim: SimNetwork): boolean {
  const up = sim.upIds();
  return up.every((subject) => {
    const incs = up.map((o) => sim.view(o, subject));
    return incs.every((m) => m?.State === 'alive' && m.Incarnation === incs[0]!.Incarnation && m.Incarnation > 0);
  });
}
