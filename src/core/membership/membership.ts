import type { DistMetrics } from '../metrics/dist-metrics.js';
import type { Random } from '../time/random.js';
import type { Effect } from './effects.js';
import type { MemberState, MemberTable } from './member-table.js';
import type {
  GossipReply, JoinReply, MemberRecord, MembershipReply, MembershipRequest, PingReply, PingReqReply, PingRequest,
} from './messages.js';
import { isLive, joinIncarnation, mergeDecision, selfClaimOutcome } from './precedence.js';
import type { SeedSpec } from './seed-spec.js';
import { detectorTransition, retentionExpired, stallOf, verdict } from './suspicion.js';

/** Fixed timings of docs/lifecycle.md §2, docs/peer-protocol.md §4, docs/configuration.md §6. */
export const SEED_INTERVAL_UNJOINED_MS = 1_000;
export const SEED_INTERVAL_JOINED_MS = 5_000;
/** How often the caller re-resolves `dns+` seeds before passing them to `seedTick`. */
export const DNS_RESOLVE_INTERVAL_MS = 5_000;
export const JOIN_GRACE_MS = 15_000;
export const GOSSIP_TIMEOUT_MS = 2_000;
export const JOIN_TIMEOUT_MS = 2_000;

export type MembershipCounterKey =
  | 'HeartbeatSuccess' | 'HeartbeatFailure'
  | 'IndirectProbeSuccess' | 'IndirectProbeFailure' | 'IndirectProbeRefuted'
  | 'Refutations' | 'LocalStalls'
  | 'NodesSuspect' | 'NodesDead' | 'NodesLeaving' | 'NodesRemoved';
export type MembershipCounters = Pick<DistMetrics, MembershipCounterKey>;

export interface MembershipConfig {
  heartbeatMs: number;
  /** Relays asked on a failed direct probe; 0 disables indirect probes. */
  indirectProbeK: number;
  gossipIntervalMs: number;
}

export interface MembershipDeps {
  /** Holds self (`alive`, incarnation 1) at construction; the machine owns every later change. */
  table: MemberTable;
  config: MembershipConfig;
  /** The configured seeds after self-exclusion. */
  seeds: readonly SeedSpec[];
  random: Random;
  counters: MembershipCounters;
  /** Called on every observed state change of a peer record (new records included). */
  onTransition?: (to: MemberState) => void;
}

/** The answer to an inbound request: a reply now, or `deferred` (a later `reply` effect with that token). */
export interface Received {
  reply?: MembershipReply;
  deferred?: number;
  effects: Effect[];
}

interface PeerClock {
  /** Last contact, or the restart of the detection window after a local stall. */
  lastContact: number;
  /** When the record entered `dead`/`leaving` locally. */
  retainedSince?: number;
  /** While the member is `suspect`: when this node's suspicion began (restarted by a local stall). */
  suspectSince?: number;
  /** Probes to the member sent since `suspectSince` that failed. */
  failedProbes: number;
}

interface IndirectRound {
  rescued: boolean;
}

type Pending =
  | { kind: 'probe'; target: string; address: string; sentAt: number }
  | { kind: 'indirect'; target: string; relay: string; round: IndirectRound }
  | { kind: 'relay'; target: string }
  | { kind: 'gossip' }
  | { kind: 'join'; address: string };

const EXPECTED_OP: Record<Pending['kind'], MembershipReply['op']> = {
  probe: 'ping', indirect: 'ping_req', relay: 'ping', gossip: 'gossip', join: 'join',
};

/**
 * SWIM membership (docs/cluster.md §2) as a state machine in the etcd-raft manner: no timers, no I/O, no
 * promises. The caller drives it with logical ticks and inbound messages, passes the current time in,
 * performs the returned `send` effects and reports each outcome through `response`.
 *
 *   start(now, resolved?)        once, at startup step 9
 *   tick(now)                    every HEARTBEAT: local health, forget, suspect/dead, direct probes
 *   gossipTick(now)              every GOSSIP_INTERVAL: push-pull with one peer, push to one dead member
 *   seedTick(now, resolved?)     at least every second; contacts seeds when due (1 s unjoined, 5 s joined)
 *   receive(req, fromId, now)    an authenticated inbound membership request (counts as contact)
 *   contact(id, now)             any other authenticated peer request from `id`
 *   response(seq, reply, now)    the outcome of a `send` effect
 *   leave()                      drain: self `leaving`, pushed to every live member
 */
export class Membership {
  private readonly table: MemberTable;
  private readonly selfId: string;
  private readonly clocks = new Map<string, PeerClock>();
  private readonly pending = new Map<number, Pending>();
  private readonly probing = new Set<string>();
  private readonly joining = new Set<string>();
  /** Dialled address → the ID that answered there (how `host:port` and `dns+` seeds map to members). */
  private readonly addressIds = new Map<string, string>();
  /** `id@host:port` seeds whose ID has not been contradicted: id → address. */
  private readonly configuredSeeds = new Map<string, string>();
  private readonly seedAddresses: string[];
  private resolved: string[] = [];
  private out: Effect[] = [];
  private seq = 0;
  private startedAt?: number;
  private nextSeedAt = 0;
  private joined: boolean;
  private peerContact = false;
  /** When `tick` last ran: a tick far later than that reveals a local stall. */
  private lastTickAt?: number;

  constructor(private readonly deps: MembershipDeps) {
    this.table = deps.table;
    this.selfId = deps.table.selfId;
    this.joined = deps.seeds.length === 0;
    const addresses: string[] = [];
    for (const seed of deps.seeds) {
      if (seed.kind === 'dns') continue;
      addresses.push(seed.address);
      if (seed.kind === 'id' && !this.table.get(seed.id)) {
        // Boot record (docs/lifecycle.md §2 step 6): incarnation 0, so any real record wins.
        this.table.set({ ID: seed.id, Address: seed.address, State: 'alive', Incarnation: 0 });
        this.configuredSeeds.set(seed.id, seed.address);
      }
    }
    this.seedAddresses = [...new Set(addresses)];
  }

  /** Joined per docs/lifecycle.md §2. */
  isJoined(): boolean {
    return this.joined;
  }

  /** Draining is one-way and shows as self `leaving` (set by `leave` or by the node's drain). */
  isDraining(): boolean {
    return this.table.self().State === 'leaving';
  }

  incarnation(): number {
    return this.table.self().Incarnation;
  }

  /** Starts the join grace clock and contacts the seeds at once. */
  start(now: number, resolved?: readonly string[]): Effect[] {
    this.startedAt = now;
    this.nextSeedAt = now;
    this.lastTickAt = now;
    for (const m of this.table.list()) if (m.ID !== this.selfId) this.clockOf(m.ID, now).lastContact = now;
    return this.seedTick(now, resolved);
  }

  tick(now: number): Effect[] {
    this.checkJoinGrace(now);
    this.checkLocalHealth(now);
    const hb = this.deps.config.heartbeatMs;
    for (const m of this.others()) {
      const clock = this.clockOf(m.ID, now);
      if (!isLive(m.State)) {
        clock.retainedSince ??= now;
        if (retentionExpired(clock.retainedSince, now)) this.forget(m.ID);
        continue;
      }
      const held = clock.suspectSince === undefined ? undefined : { heldMs: now - clock.suspectSince, failedProbes: clock.failedProbes };
      const next = detectorTransition(m.State, verdict(now - clock.lastContact, hb), held, hb);
      if (next) this.put({ ...m, State: next }, now);
    }
    for (const m of this.others()) {
      if (!isLive(m.State) || this.probing.has(m.ID)) continue;
      this.probing.add(m.ID);
      this.send(m.Address, m.ID, this.pingFor(m.ID), { kind: 'probe', target: m.ID, address: m.Address, sentAt: now });
    }
    return this.flush();
  }

  gossipTick(now: number): Effect[] {
    this.checkJoinGrace(now);
    const others = this.others();
    const live = others.filter((m) => isLive(m.State));
    const dead = others.filter((m) => m.State === 'dead');
    if (live.length > 0) this.pushTo(this.pick(live));
    // Reaching one dead member per round lets it refute, which is how partitions heal.
    if (dead.length > 0) this.pushTo(this.pick(dead));
    return this.flush();
  }

  seedTick(now: number, resolved?: readonly string[]): Effect[] {
    if (resolved) this.resolved = [...resolved];
    this.checkJoinGrace(now);
    if (this.startedAt === undefined || now < this.nextSeedAt) return this.flush();
    this.nextSeedAt = now + (this.joined ? SEED_INTERVAL_JOINED_MS : SEED_INTERVAL_UNJOINED_MS);
    const self = this.table.self();
    for (const address of new Set([...this.seedAddresses, ...this.resolved])) {
      if (address === self.Address || this.addressIds.get(address) === this.selfId || this.joining.has(address)) continue;
      if (this.joined && this.mapsToLiveMember(address)) continue;
      this.joining.add(address);
      const join = { op: 'join' as const, id: this.selfId, address: self.Address, incarnation: self.Incarnation, ...(self.ApiURL !== undefined && { apiUrl: self.ApiURL }) };
      this.send(address, undefined, join, { kind: 'join', address });
    }
    return this.flush();
  }

  /** Any authenticated peer request from `id` (docs/peer-protocol.md §1) refreshes its failure detector. */
  contact(id: string, now: number): void {
    if (id === this.selfId) return;
    this.peerContact = true;
    if (this.table.get(id)) this.clockOf(id, now).lastContact = now;
  }

  receive(req: MembershipRequest, fromId: string, now: number): Received {
    this.contact(fromId, now);
    let reply: MembershipReply | undefined;
    let deferred: number | undefined;
    switch (req.op) {
      case 'ping':
        reply = this.onPing(req, fromId, now);
        break;
      case 'ping_req':
        if (req.target === this.selfId) {
          reply = { op: 'ping_req', reachable: true };
        } else {
          // The relayed ping's seq is the token of the deferred answer.
          const address = this.table.get(req.target)?.Address ?? req.address;
          deferred = this.send(address, req.target, this.pingFor(req.target), { kind: 'relay', target: req.target });
        }
        break;
      case 'gossip':
        this.merge(req.members, fromId, now);
        this.markJoined('gossip');
        reply = { op: 'gossip', id: this.selfId, members: this.list() };
        break;
      case 'join': {
        let claim: MemberRecord | undefined;
        if (req.id !== this.selfId) {
          const known = this.table.get(req.id);
          // A claim against the joiner that its own incarnation does not outbid: it must hear of it to refute it.
          if (known && known.State !== 'alive' && known.Incarnation >= req.incarnation) claim = known;
          const incarnation = joinIncarnation(req.incarnation, known?.Incarnation);
          this.put({ ID: req.id, Address: req.address, State: 'alive', Incarnation: incarnation, ...(req.apiUrl !== undefined && { ApiURL: req.apiUrl }) }, now);
          this.contact(req.id, now);
          this.markJoined('join');
        }
        reply = { op: 'join', id: this.selfId, members: this.list(), ...(claim ? { claim } : {}) };
        break;
      }
    }
    return { reply, deferred, effects: this.flush() };
  }

  response(seq: number, reply: MembershipReply | null, now: number): Effect[] {
    const p = this.pending.get(seq);
    if (!p) return [];
    this.pending.delete(seq);
    const ok = reply !== null && reply.op === EXPECTED_OP[p.kind] ? reply : null;
    switch (p.kind) {
      case 'probe':
        this.onProbeResult(p, ok as PingReply | null, now);
        break;
      case 'indirect':
        this.onIndirectResult(p.target, p.relay, p.round, ok as PingReqReply | null, now);
        break;
      case 'relay': {
        const r = ok as PingReply | null;
        const reachable = r !== null && r.id === p.target;
        if (reachable) this.learnFromPing(p.target, r, now);
        this.out.push({ type: 'reply', token: seq, msg: { op: 'ping_req', reachable } });
        break;
      }
      case 'gossip':
        if (ok) this.onExchange(ok as GossipReply, 'gossip', now);
        break;
      case 'join':
        this.joining.delete(p.address);
        if (ok) this.onJoinReply(p.address, ok as JoinReply, now);
        break;
    }
    return this.flush();
  }

  /** Graceful leave: self `leaving` at the same incarnation, pushed straight to every live member. */
  leave(): Effect[] {
    const self = this.table.self();
    if (self.State !== 'leaving') this.table.set({ ...self, State: 'leaving' });
    for (const m of this.others()) if (isLive(m.State)) this.pushTo(m);
    return this.flush();
  }

  private onPing(req: PingRequest, fromId: string, now: number): PingReply {
    const sender = this.table.get(req.from);
    if (sender && req.from !== this.selfId) {
      this.merge([{ ID: req.from, Address: sender.Address, State: req.fromState, Incarnation: req.fromIncarnation }], fromId, now);
    }
    if (req.suspicion?.ID === this.selfId) this.onSelfRecord(req.suspicion, fromId);
    const self = this.table.self();
    return { op: 'ping', id: self.ID, incarnation: self.Incarnation, state: self.State };
  }

  private onProbeResult(probe: Extract<Pending, { kind: 'probe' }>, reply: PingReply | null, now: number): void {
    const { target, address } = probe;
    this.probing.delete(target);
    if (reply && reply.id === target) {
      this.deps.counters.HeartbeatSuccess++;
      this.learnFromPing(target, reply, now);
      return;
    }
    this.deps.counters.HeartbeatFailure++;
    // Only a probe sent while this node held the suspicion counts towards `dead` (local health).
    const clock = this.clocks.get(target);
    if (clock?.suspectSince !== undefined && probe.sentAt >= clock.suspectSince) clock.failedProbes++;
    if (reply) {
      this.addressIds.set(address, reply.id);
      if (this.isUnconfirmedSeed(target, address)) {
        this.seedIdMismatch(target, address, reply.id);
        return;
      }
      this.out.push({ type: 'probeIdMismatch', id: target, address, answeredBy: reply.id });
    }
    this.startIndirectProbe(target);
  }

  private startIndirectProbe(target: string): void {
    const rec = this.table.get(target);
    if (!rec || !isLive(rec.State)) return;
    const relays = this.others().filter((m) => m.State === 'alive' && m.ID !== target && m.Incarnation > 0);
    const round: IndirectRound = { rescued: false };
    for (const relay of this.sample(relays, this.deps.config.indirectProbeK)) {
      this.send(relay.Address, relay.ID, { op: 'ping_req', target, address: rec.Address }, { kind: 'indirect', target, relay: relay.ID, round });
    }
  }

  private onIndirectResult(target: string, relay: string, round: IndirectRound, reply: PingReqReply | null, now: number): void {
    if (reply) this.contact(relay, now);
    if (!reply?.reachable) {
      this.deps.counters.IndirectProbeFailure++;
      return;
    }
    this.deps.counters.IndirectProbeSuccess++;
    if (!round.rescued) {
      round.rescued = true;
      this.deps.counters.IndirectProbeRefuted++;
    }
    this.contact(target, now);
  }

  /** A ping answered by `id` itself: contact, and its reply is its own record (a refutation shows as a higher incarnation). */
  private learnFromPing(id: string, reply: PingReply, now: number): void {
    this.contact(id, now);
    const rec = this.table.get(id);
    if (rec) this.merge([{ ID: id, Address: rec.Address, State: reply.state, Incarnation: reply.incarnation }], id, now);
  }

  private onExchange(reply: GossipReply | JoinReply, via: 'gossip' | 'join', now: number): void {
    this.merge(reply.members, reply.id, now);
    this.contact(reply.id, now);
    this.markJoined(via);
  }

  private onJoinReply(address: string, reply: JoinReply, now: number): void {
    this.addressIds.set(address, reply.id);
    // A seed that turns out to be this node is ignored from now on.
    if (reply.id === this.selfId) return;
    for (const [id, seedAddress] of this.configuredSeeds) {
      if (seedAddress === address && id !== reply.id) this.seedIdMismatch(id, address, reply.id);
    }
    // What the seed held against this node before the join: refuted (and counted) before the
    // assigned incarnation is read, which the refutation then equals.
    if (reply.claim?.ID === this.selfId) this.onSelfRecord(reply.claim, reply.id);
    this.onExchange(reply, 'join', now);
  }

  private seedIdMismatch(configuredId: string, address: string, actualId: string): void {
    this.configuredSeeds.delete(configuredId);
    // Only the boot record is forgotten; a real record for that ID (incarnation ≥ 1) stays.
    const rec = this.table.get(configuredId);
    if (rec && rec.Incarnation === 0) this.drop(configuredId);
    this.out.push({ type: 'seedIdMismatch', address, configuredId, actualId });
  }

  private isUnconfirmedSeed(id: string, address: string): boolean {
    return this.configuredSeeds.get(id) === address && this.table.get(id)?.Incarnation === 0;
  }

  private merge(records: readonly MemberRecord[], senderId: string | undefined, now: number): void {
    for (const rec of records) {
      if (rec.ID === this.selfId) this.onSelfRecord(rec, senderId);
      else if (mergeDecision(this.table.get(rec.ID), rec) !== 'ignore') this.put(rec, now);
      else this.table.learnApiUrl(rec);
    }
  }

  private onSelfRecord(claim: MemberRecord, senderId: string | undefined): void {
    const self = this.table.self();
    const outcome = selfClaimOutcome(self, claim, this.isDraining());
    if (outcome.action === 'ignore') return;
    this.table.set({ ...self, Incarnation: outcome.incarnation });
    if (outcome.action === 'adopt') return;
    this.deps.counters.Refutations++;
    this.out.push({ type: 'selfRefuted', incarnation: outcome.incarnation, claimedState: claim.State, claimedIncarnation: claim.Incarnation, from: senderId });
    const sender = senderId === undefined ? undefined : this.table.get(senderId);
    if (sender && sender.ID !== this.selfId) this.pushTo(sender);
    const others = this.others().filter((m) => isLive(m.State) && m.ID !== senderId);
    if (others.length > 0) this.pushTo(this.pick(others));
  }

  /** Applies a peer record (never self) with its bookkeeping: detector window, retention, counters, effects. */
  private put(rec: MemberRecord, now: number): void {
    const prev = this.table.get(rec.ID);
    this.table.set(rec);
    const clock = this.clockOf(rec.ID, now);
    const live = isLive(rec.State);
    // A new or revived member starts a fresh detection window; suspect → alive keeps the old one,
    // because a refutation relayed by others is not contact.
    if (!prev || (live && !isLive(prev.State))) clock.lastContact = now;
    if (rec.State !== 'suspect') clock.suspectSince = undefined;
    else if (clock.suspectSince === undefined) {
      clock.suspectSince = now;
      clock.failedProbes = 0;
    }
    if (live) clock.retainedSince = undefined;
    else if (!prev || isLive(prev.State)) clock.retainedSince = now;
    if (prev?.State === rec.State) return;
    if (rec.State === 'suspect') this.deps.counters.NodesSuspect++;
    else if (rec.State === 'dead') this.deps.counters.NodesDead++;
    else if (rec.State === 'leaving') this.deps.counters.NodesLeaving++;
    this.deps.onTransition?.(rec.State);
    this.out.push({ type: 'stateChanged', id: rec.ID, address: rec.Address, from: prev?.State ?? null, to: rec.State, incarnation: rec.Incarnation });
  }

  private forget(id: string): void {
    this.drop(id);
    this.deps.counters.NodesRemoved++;
    this.out.push({ type: 'forgotten', id });
  }

  private drop(id: string): void {
    this.table.remove(id);
    this.clocks.delete(id);
  }

  /**
   * Local health (docs/cluster.md §2): a heartbeat tick that fires more than HEARTBEAT late means
   * this node, not its peers, was not running. The gap is nobody's silence: every live peer's
   * detection window restarts now, and so does every suspicion this node holds (with no failed
   * probe yet), so `dead` still needs 3 × HEARTBEAT of running time after the stall.
   */
  private checkLocalHealth(now: number): void {
    const last = this.lastTickAt;
    this.lastTickAt = now;
    const stalledMs = last === undefined ? undefined : stallOf(now - last, this.deps.config.heartbeatMs);
    if (stalledMs === undefined) return;
    this.deps.counters.LocalStalls++;
    for (const m of this.others()) {
      if (!isLive(m.State)) continue;
      const clock = this.clockOf(m.ID, now);
      clock.lastContact = now;
      if (m.State === 'suspect') {
        clock.suspectSince = now;
        clock.failedProbes = 0;
      }
    }
    this.out.push({ type: 'localStall', stalledMs });
  }

  private checkJoinGrace(now: number): void {
    if (this.joined || this.startedAt === undefined || this.peerContact) return;
    if (now - this.startedAt < JOIN_GRACE_MS) return;
    this.joined = true;
    this.out.push({ type: 'joinGraceElapsed' });
  }

  private markJoined(via: 'join' | 'gossip'): void {
    if (this.joined) return;
    this.joined = true;
    this.out.push({ type: 'joined', via });
  }

  private mapsToLiveMember(address: string): boolean {
    const id = this.addressIds.get(address);
    const known = id === undefined ? undefined : this.table.get(id);
    if (known && isLive(known.State)) return true;
    return this.others().some((m) => m.Address === address && isLive(m.State));
  }

  private pingFor(target: string): PingRequest {
    const self = this.table.self();
    const ping: PingRequest = { op: 'ping', from: self.ID, fromIncarnation: self.Incarnation, fromState: self.State };
    const rec = this.table.get(target);
    if (rec?.State === 'suspect') ping.suspicion = rec;
    return ping;
  }

  private pushTo(m: MemberRecord): void {
    this.send(m.Address, m.ID, { op: 'gossip', members: this.list() }, { kind: 'gossip' });
  }

  /**
   * The list sent on the wire: every retained record except unconfirmed boot records of `id@` seeds
   * (incarnation 0), so a mistyped seed ID never spreads beyond the node that configured it.
   */
  private list(): MemberRecord[] {
    return this.table.list().filter((m) => m.Incarnation > 0);
  }

  private others(): MemberRecord[] {
    return this.table.list().filter((m) => m.ID !== this.selfId);
  }

  private clockOf(id: string, now: number): PeerClock {
    let c = this.clocks.get(id);
    if (!c) this.clocks.set(id, (c = { lastContact: now, failedProbes: 0 }));
    return c;
  }

  private send(to: string, toId: string | undefined, msg: MembershipRequest, ctx: Pending): number {
    const seq = ++this.seq;
    this.pending.set(seq, ctx);
    const timeoutMs = msg.op === 'gossip' ? GOSSIP_TIMEOUT_MS : msg.op === 'join' ? JOIN_TIMEOUT_MS : Math.max(1, Math.floor(this.deps.config.heartbeatMs / 2));
    this.out.push(toId === undefined ? { type: 'send', seq, to, msg, timeoutMs } : { type: 'send', seq, to, toId, msg, timeoutMs });
    return seq;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.deps.random.int(items.length)]!;
  }

  /** Up to `k` distinct items, uniformly (partial Fisher–Yates). */
  private sample<T>(items: readonly T[], k: number): T[] {
    const a = [...items];
    const n = Math.min(k, a.length);
    for (let i = 0; i < n; i++) {
      const j = i + this.deps.random.int(a.length - i);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a.slice(0, n);
  }

  private flush(): Effect[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
