/** Injected randomness: `int(n)` returns an integer in [0, n). */
export interface Random {
  int(n: number): number;
}

export const systemRandom: Random = { int: (n) => Math.floor(Math.random() * n) };

/** Deterministic PRNG (mulberry32) for tests and simulations. */
export class SeededRandom implements Random {
  constructor(private state: number) {}
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
