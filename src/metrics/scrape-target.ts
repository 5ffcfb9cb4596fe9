import type { Core } from '../bootstrap/core.js';

/*
 * The node a scrape describes. The registry is process-wide, yet tests run several nodes in one
 * process (one after another, sometimes side by side): the /metrics handler names its own core
 * around the render, and prom-client calls every collect() synchronously inside
 * register.metrics(), so a scrape never reads another node's numbers. Outside a scrape the
 * node collectors emit nothing.
 */
let scraped: Core | undefined;

export function renderFor<T>(core: Core, render: () => T): T {
  scraped = core;
  try {
    return render();
  } finally {
    scraped = undefined;
  }
}

export function scrapedCore(): Core | undefined {
  return scraped;
}
