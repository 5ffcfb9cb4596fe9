import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { HypercacheConfig } from '../config/config.types.js';
import { CONFIG, NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { ClusterEvent } from '../core/events.js';
import { heartbeatView, memberTransitionView, membersView } from './cluster-views.js';
import { SseStream } from './sse-stream.js';

/** Fixed SSE constants of docs/configuration.md §6. */
const RETRY_MS = 5000;
const HEARTBEAT_MS = 1000;
const BUFFER_EVENTS = 64;

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

function frame(type: string, payload: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/**
 * The `/cluster/events` streams of this listener (docs/api.md §2.7): one EventBus subscription per
 * stream, a shared 1 s heartbeat while any stream is open, and every stream ended when the
 * management app closes (an open stream would otherwise hold the listener open).
 */
@Injectable()
export class ClusterEventsService implements OnModuleDestroy {
  private readonly streams = new Set<SseStream>();
  private heartbeat?: NodeJS.Timeout;

  constructor(@Inject(NODE) private readonly node: CacheNodeApi, @Inject(CONFIG) private readonly config: HypercacheConfig) {}

  /** Takes over a raw response. HEAD gets the headers only. */
  open(res: ServerResponse, headOnly: boolean): void {
    if (res.destroyed) return;
    res.writeHead(200, SSE_HEADERS);
    if (headOnly) {
      res.end();
      return;
    }
    let unsubscribe = (): void => {};
    const stream = new SseStream(res, BUFFER_EVENTS, () => {
      unsubscribe();
      this.streams.delete(stream);
      if (this.streams.size === 0) this.stopHeartbeat();
    });
    // Subscribe before taking the snapshots, so no change falls between them.
    unsubscribe = this.node.subscribe((e) => stream.send(this.frameOf(e)));
    this.streams.add(stream);
    stream.send(`retry: ${RETRY_MS}\n\n`);
    const snapshot = this.node.snapshot();
    stream.send(frame('members', membersView(snapshot, this.config)));
    stream.send(frame('heartbeat', heartbeatView(snapshot)));
    this.heartbeat ??= setInterval(() => this.broadcast(frame('heartbeat', heartbeatView(this.node.snapshot()))), HEARTBEAT_MS).unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopHeartbeat();
    await Promise.all([...this.streams].map((s) => s.end()));
  }

  private broadcast(f: string): void {
    for (const s of this.streams) s.send(f);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private frameOf(e: ClusterEvent): string {
    switch (e.type) {
      case 'members': return frame('members', membersView(this.node.snapshot(), this.config));
      case 'member': return frame('member', memberTransitionView(e.member, e.previous));
      case 'draining': return frame('draining', { node: e.node, draining: true });
    }
  }
}
