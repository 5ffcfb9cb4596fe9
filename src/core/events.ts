/** In-process publish/subscribe for cluster events (SSE, docs/api.md §2.7). Publishers never block on subscribers. */
export interface MemberView {
  ID: string;
  Address: string;
  State: 'alive' | 'suspect' | 'dead' | 'leaving';
  Incarnation: number;
  /**
   * Base URL of the member's client API (`http://host:port` or `https://…`), as the member itself
   * advertises it (docs/cluster.md §2.2). Absent until learnt; never shown in the member views.
   */
  ApiURL?: string;
}

export type ClusterEvent =
  | { type: 'members' }
  | { type: 'member'; member: MemberView; previous: MemberView['State'] | null }
  | { type: 'draining'; node: string };

export type Listener = (e: ClusterEvent) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(e: ClusterEvent): void {
    for (const fn of [...this.listeners]) fn(e);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
