/**
 * Local copies this node no longer owns, each with the time it may be dropped (docs/cluster.md §8.4:
 * 30 s after the lost-ownership send). Kept in schedule order, so the due ones are a prefix.
 */
export class LostCopies {
  private readonly dropAt = new Map<string, number>();

  get size(): number {
    return this.dropAt.size;
  }

  /** (Re)schedules `key`; a later schedule replaces an earlier one. */
  schedule(key: string, at: number): void {
    this.dropAt.delete(key);
    this.dropAt.set(key, at);
  }

  has(key: string): boolean {
    return this.dropAt.has(key);
  }

  /** Removes and yields the keys due at `now`, oldest schedule first. */
  *takeDue(now: number): IterableIterator<string> {
    for (const [key, at] of this.dropAt) {
      if (at > now) return;
      this.dropAt.delete(key);
      yield key;
    }
  }
}
