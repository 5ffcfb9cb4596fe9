import type { EventBus, MemberView } from '../events.js';

export type MemberState = MemberView['State'];

/**
 * The node's membership records (docs/cluster.md §2). In single-node mode it holds only self; the
 * SWIM state machine of the cluster drives the same table.
 */
export class MemberTable {
  private readonly records = new Map<string, MemberView>();
  private version = 0;

  constructor(
    readonly selfId: string,
    selfAddress: string,
    private readonly events: EventBus,
    selfApiUrl?: string,
  ) {
    this.records.set(selfId, { ID: selfId, Address: selfAddress, State: 'alive', Incarnation: 1, ...(selfApiUrl !== undefined && { ApiURL: selfApiUrl }) });
    this.version = 1;
  }

  get membershipVersion(): number {
    return this.version;
  }

  self(): MemberView {
    return this.records.get(this.selfId)!;
  }

  get(id: string): MemberView | undefined {
    return this.records.get(id);
  }

  /** Retained records, self included, whatever their state. */
  get size(): number {
    return this.records.size;
  }

  /** Records sorted by ID (the /cluster/members order). */
  list(): MemberView[] {
    return [...this.records.values()].sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0)).map((m) => ({ ...m }));
  }

  /** Members on the ring: `alive` or `suspect` (self drops out when `leaving`). */
  ringMembers(): string[] {
    return [...this.records.values()].filter((m) => m.State === 'alive' || m.State === 'suspect').map((m) => m.ID);
  }

  countByState(): Record<MemberState, number> {
    const out: Record<MemberState, number> = { alive: 0, suspect: 0, dead: 0, leaving: 0 };
    for (const m of this.records.values()) out[m.State]++;
    return out;
  }

  /** Forgets a record (never self) and announces it (SSE `members`). Returns whether it existed. */
  remove(id: string): boolean {
    if (id === this.selfId || !this.records.delete(id)) return false;
    this.version++;
    this.events.publish({ type: 'members' });
    return true;
  }

  /**
   * Applies a record change and announces it (SSE `member` + `members`). A record without `ApiURL`
   * keeps the URL already known for that member (probes and seeds carry none).
   */
  set(record: MemberView): void {
    const previous = this.records.get(record.ID);
    const next = { ...record };
    if (next.ApiURL === undefined && previous?.ApiURL !== undefined) next.ApiURL = previous.ApiURL;
    this.records.set(record.ID, next);
    this.version++;
    this.events.publish({ type: 'member', member: { ...record }, previous: previous?.State ?? null });
    this.events.publish({ type: 'members' });
  }

  /**
   * Adopts the client API URL of a received record that did not otherwise change the local one, when
   * it is at least as recent (a member's URL is fixed for one incarnation). No event: the member
   * views do not show it.
   */
  learnApiUrl(record: MemberView): void {
    const local = this.records.get(record.ID);
    if (!local || record.ApiURL === undefined || record.ApiURL === local.ApiURL) return;
    if (record.Incarnation >= local.Incarnation) local.ApiURL = record.ApiURL;
  }

  /** Sets this node's own client API URL (once the client listener knows its port). */
  setSelfApiUrl(url: string): void {
    this.self().ApiURL = url;
  }
}
