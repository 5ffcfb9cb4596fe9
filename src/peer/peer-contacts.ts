export type ContactListener = (nodeId: string) => void;

/**
 * Authenticated peer requests by sender node ID. Any such request counts as contact with that
 * member (docs/peer-protocol.md §1, docs/cluster.md §2); membership subscribes to refresh its failure detector.
 */
export class PeerContacts {
  private readonly listeners = new Set<ContactListener>();

  subscribe(fn: ContactListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  record(nodeId: string): void {
    for (const fn of this.listeners) fn(nodeId);
  }
}
