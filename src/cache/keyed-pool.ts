/**
 * Runs `run(i)` for every index with at most `concurrency` in flight, while indexes sharing a key
 * run one after another in index order (docs/api.md §1.11: same-key elements apply in request order).
 * An undefined key has no ordering constraint. Results come back by index.
 */
export async function runKeyedInOrder<R>(
  keys: ReadonlyArray<string | undefined>,
  concurrency: number,
  run: (index: number) => Promise<R>,
): Promise<R[]> {
  const groups: number[][] = [];
  const byKey = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const existing = key === undefined ? undefined : byKey.get(key);
    if (existing) {
      existing.push(i);
      return;
    }
    const group = [i];
    groups.push(group);
    if (key !== undefined) byKey.set(key, group);
  });
  const results = new Array<R>(keys.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < groups.length) {
      const group = groups[next++]!;
      for (const i of group) results[i] = await run(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, worker));
  return results;
}

/**
 * Splits indexes into waves where no key repeats: wave k holds the (k+1)-th element of each key,
 * in index order. Running the waves one after another applies same-key elements in index order
 * (docs/api.md §1.11) while each wave goes down as one unit. An undefined key goes in the first wave.
 */
export function keyedWaves(keys: ReadonlyArray<string | undefined>): number[][] {
  const waves: number[][] = [];
  const seen = new Map<string, number>();
  keys.forEach((key, i) => {
    const wave = key === undefined ? 0 : (seen.get(key) ?? 0);
    if (key !== undefined) seen.set(key, wave + 1);
    (waves[wave] ??= []).push(i);
  });
  return waves;
}
