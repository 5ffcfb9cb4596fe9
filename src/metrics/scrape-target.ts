import type { HypercacheConfig } from '../config/config.types.js';
import type { NodeSnapshot } from '../core/node-api.js';

/** What the node collectors read: the scraped node's snapshot (taken once per scrape), its configured caps and the build version. */
export interface ScrapeTarget {
  snapshot: NodeSnapshot;
  config: Pick<HypercacheConfig, 'capacity' | 'maxMemory'>;
  version: string;
}

/*
 * The node a scrape describes. The registry is process-wide, yet tests run several nodes in one
 * process (one after another, sometimes side by side): the /metrics handler names its own core
 * around the render, and prom-client calls every collect() synchronously inside
 * register.metrics(), so a scrape never reads another node's numbers. Outside a scrape the
 * node collectors emit nothing.
 */
let scraped: ScrapeTarget | undefined;

export function renderFor<T>(target: ScrapeTarget, render: () => T): T {
  scraped = target;
  try {
    return render();
  } finally {
    scraped = undefined;
  }
}

export function scrapedTarget(): ScrapeTarget | undefined {
  return scraped;
}
