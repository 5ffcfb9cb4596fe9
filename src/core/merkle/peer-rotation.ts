import type { Random } from '../time/random.js';

/**
 * The anti-entropy peer order (docs/cluster.md §8.3): a random permutation of the alive peers, walked
 * round-robin, so every alive peer comes up once in any (alive peers) consecutive rounds. The
 * permutation is drawn again whenever the set of alive peers changes.
 */
export class PeerRotation {
  private order: string[] = [];
  private cursor = 0;

  constructor(private readonly random: Random) {}

  /** The next peer among `alive` (any order), or undefined when there is none. */
  next(alive: readonly string[]): string | undefined {
    if (alive.length === 0) return undefined;
    if (!this.sameSet(alive)) {
      this.order = shuffle([...alive].sort(), this.random);
      this.cursor = 0;
    }
    const peer = this.order[this.cursor]!;
    this.cursor = (this.cursor + 1) % this.order.length;
    return peer;
  }

  private sameSet(alive: readonly string[]): boolean {
    if (alive.length !== this.order.length) return false;
    const current = new Set(this.order);
    return alive.every((id) => current.has(id));
  }
}

/** Fisher–Yates with the injected random source. */
function shuffle(ids: string[], random: Random): string[] {
  for (let i = ids.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids;
}
