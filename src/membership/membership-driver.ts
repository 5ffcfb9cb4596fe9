import type { Logger } from 'pino';
import { type Effect, logLineOf } from '../core/membership/effects.js';
import { DNS_RESOLVE_INTERVAL_MS, type Membership, SEED_INTERVAL_UNJOINED_MS } from '../core/membership/membership.js';
import type { MembershipReply, MembershipRequest } from '../core/membership/messages.js';
import { PeriodicLoop } from '../core/time/loop.js';
import { type Scheduler, systemScheduler } from '../core/time/scheduler.js';

/**
 * How the driver reaches a peer (the dist module implements it over undici). Resolves with the
 * validated reply, or null for a timeout, a transport error, a non-2xx answer or an invalid reply.
 * Never rejects.
 */
export interface MembershipTransport {
  send(address: string, msg: MembershipRequest, timeoutMs: number): Promise<MembershipReply | null>;
}

/** A `dns+host:port` seed as configured. */
export interface DnsSeed {
  host: string;
  port: number;
}

/** Resolves `dns+` seeds to dialable `ip:port` addresses (A and AAAA records). */
export type SeedResolver = (seeds: readonly DnsSeed[]) => Promise<string[]>;

export interface MembershipDriverDeps {
  machine: Membership;
  transport: MembershipTransport;
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  heartbeatMs: number;
  gossipIntervalMs: number;
  dnsSeeds: readonly DnsSeed[];
  resolve: SeedResolver;
  /** Monotonic milliseconds: a wall-clock step must not make every peer look silent. */
  now: () => number;
  scheduler?: Scheduler;
}

type Send = Extract<Effect, { type: 'send' }>;

/**
 * The caller of the SWIM state machine (docs/cluster.md §2, §11): owns its timers (heartbeat, gossip,
 * seed contact every second, `dns+` re-resolution every 5 s), carries its `send` effects over the
 * transport and reports each outcome exactly once, answers deferred `ping_req`s, and logs the
 * effects that are docs/lifecycle.md §5 events. Nothing here decides membership; the machine does.
 */
export class MembershipDriver {
  private readonly machine: Membership;
  private readonly loops: PeriodicLoop[];
  private readonly dnsLoop?: PeriodicLoop;
  /** Deferred inbound `ping_req` answers by token. */
  private readonly waiting = new Map<number, (reply: MembershipReply) => void>();
  private resolved: string[] = [];
  private started = false;
  private stopped = false;

  constructor(private readonly deps: MembershipDriverDeps) {
    this.machine = deps.machine;
    const scheduler = deps.scheduler ?? systemScheduler;
    const onError = (loop: string, err: unknown) => deps.logger.error({ loop, err }, 'background loop iteration failed');
    this.loops = [
      new PeriodicLoop('heartbeat', deps.heartbeatMs, () => this.execute(this.machine.tick(deps.now())), onError, scheduler),
      new PeriodicLoop('gossip', deps.gossipIntervalMs, () => this.execute(this.machine.gossipTick(deps.now())), onError, scheduler),
      // The machine decides when seeds are due (1 s until joined, then 5 s); it only needs asking often enough.
      new PeriodicLoop('seeds', SEED_INTERVAL_UNJOINED_MS, () => this.execute(this.machine.seedTick(deps.now(), this.resolved)), onError, scheduler),
    ];
    if (deps.dnsSeeds.length > 0) {
      this.dnsLoop = new PeriodicLoop('dns-seeds', DNS_RESOLVE_INTERVAL_MS, () => this.resolveSeeds(), onError, scheduler);
      this.loops.push(this.dnsLoop);
    }
  }

  /** Startup step 9: joins through the seeds in the background and starts the loops. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.execute(this.machine.start(this.deps.now(), this.resolved));
    for (const loop of this.loops) loop.start();
    // `dns+` seeds are resolved at boot, then every 5 s; the next seed tick contacts what was found.
    void this.dnsLoop?.tick();
  }

  /**
   * Shutdown step 6: no more ticks. Calls already on the wire still report their outcome; sends
   * asked for from now on (inbound traffic until the dist listener closes) fail at once.
   */
  stop(): void {
    this.stopped = true;
    for (const loop of this.loops) loop.stop();
  }

  /** Any authenticated peer request from `id` (docs/peer-protocol.md §1) is contact with it. */
  contact(id: string): void {
    this.machine.contact(id, this.deps.now());
  }

  /** An inbound membership request: the reply now, or (`ping_req`) once the relayed ping has finished. */
  receive(req: MembershipRequest, fromId: string): Promise<MembershipReply> {
    const r = this.machine.receive(req, fromId, this.deps.now());
    let answer: Promise<MembershipReply> | undefined;
    if (r.reply) answer = Promise.resolve(r.reply);
    else if (r.deferred !== undefined) {
      const token = r.deferred;
      // Registered before the effects run: a send that fails at once answers synchronously.
      answer = new Promise((resolve) => this.waiting.set(token, resolve));
    }
    this.execute(r.effects);
    return answer ?? Promise.reject(new Error(`membership produced no answer to ${req.op}`));
  }

  /** Performs the machine's effects in order. */
  execute(effects: readonly Effect[]): void {
    for (const e of effects) {
      if (e.type === 'send') this.dispatch(e);
      else if (e.type === 'reply') {
        const answer = this.waiting.get(e.token);
        this.waiting.delete(e.token);
        answer?.(e.msg);
      } else {
        const line = logLineOf(e);
        if (line) this.deps.logger[line.level](line.attrs, line.msg);
      }
    }
  }

  /** One `send` effect: exactly one `response` for it, whatever happens on the wire. */
  private dispatch(e: Send): void {
    if (this.stopped) {
      this.execute(this.machine.response(e.seq, null, this.deps.now()));
      return;
    }
    void this.deps.transport
      .send(e.to, e.msg, e.timeoutMs)
      .catch(() => null)
      .then((reply) => this.execute(this.machine.response(e.seq, reply, this.deps.now())))
      // A rejection here would be an unhandled one, which ends the process (docs/configuration.md §4).
      .catch((err: unknown) => this.deps.logger.error({ err, op: e.msg.op }, 'membership response failed'));
  }

  private async resolveSeeds(): Promise<void> {
    const found = await this.deps.resolve(this.deps.dnsSeeds);
    // A failed lookup keeps the last answer: a DNS hiccup must not make every seed vanish.
    if (found.length > 0) this.resolved = found;
    else this.deps.logger.debug({ seeds: this.deps.dnsSeeds.map((s) => `${s.host}:${s.port}`) }, 'dns seeds resolved to no address');
  }
}
