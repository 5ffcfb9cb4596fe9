import { type ClusterNode } from './cluster.js';
import { auth, mgmt } from './http.js';

/** One sample of the Prometheus text format 0.0.4. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the sample lines of a text exposition (comments skipped). */
export function parseSamples(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include `labels`; undefined when none matches. */
export function sampleSum(samples: PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hits.length === 0 ? undefined : hits.reduce((a, s) => a + s.value, 0);
}

export async function scrapeNode(n: ClusterNode): Promise<PromSample[]> {
  const r = await fetch(`${mgmt(n)}/metrics`, { headers: auth() });
  if (r.status !== 200) throw new Error(`/metrics on ${n.id}: ${r.status}`);
  return parseSamples(await r.text());
}
