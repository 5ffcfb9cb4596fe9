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
