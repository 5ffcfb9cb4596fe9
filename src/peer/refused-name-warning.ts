import type { Logger } from 'pino';

/** At most this many distinct refused name sets are remembered (and so logged), per process. */
const MAX_LOGGED = 64;

/**
 * The receiving side of a certificate refused by `HYPERCACHE_DIST_TLS_ALLOWED_NAMES` (docs/auth.md
 * §6.1): one WARN per distinct set of names the refused certificates carry, so the operator sees which
 * name to add (the sender only learns it got 401). Names are public certificate data, not secrets.
 */
export function refusedNameWarning(logger: Pick<Logger, 'warn'>): (names: string[]) => void {
  const logged = new Set<string>();
  return (names) => {
    const key = names.join(',');
    if (logged.has(key) || logged.size >= MAX_LOGGED) return;
    logged.add(key);
    logger.warn({ names }, 'refused a peer certificate: none of its names is in HYPERCACHE_DIST_TLS_ALLOWED_NAMES');
  };
}
