import { formatAddress, isUnspecifiedHost, parseAddress } from './address.js';
import type { HypercacheConfig } from './config.types.js';

type Source = Pick<HypercacheConfig, 'apiAdvertiseAddr' | 'apiAddr' | 'advertiseAddr' | 'apiTls'>;

/**
 * The client API base URL this node advertises to the others (docs/configuration.md
 * `HYPERCACHE_API_ADVERTISE_ADDR`): `https://` when the client API serves TLS. `boundPort` completes
 * an address derived from an ephemeral API port (`:0`); without it such a node advertises nothing yet.
 */
export function apiAdvertiseUrl(config: Source, boundPort?: number): string | undefined {
  const scheme = config.apiTls ? 'https' : 'http';
  if (config.apiAdvertiseAddr !== undefined) return `${scheme}://${config.apiAdvertiseAddr}`;
  if (boundPort === undefined) return undefined;
  const host = isUnspecifiedHost(config.apiAddr.host) ? parseAddress(config.advertiseAddr, { minPort: 1 }).host : config.apiAddr.host;
  return `${scheme}://${formatAddress(host, boundPort)}`;
}
