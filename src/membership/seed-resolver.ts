import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { dialAddress } from '../core/membership/seed-spec.js';
import type { DnsSeed, SeedResolver } from './membership-driver.js';

const DNS_TIMEOUT_MS = 2_000;

/**
 * `dns+host:port` seeds (docs/cluster.md §2): every A and AAAA record of the host, as `ip:port`. A name
 * that DNS does not know but the hosts file does (`localhost`, container aliases) falls back to
 * the system resolver, which answers both families as well.
 */
export function dnsSeedResolver(): SeedResolver {
  const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: 2 });
  return async (seeds: readonly DnsSeed[]) => {
    const addresses = await Promise.all(
      seeds.map(async ({ host, port }) => (await addressesOf(resolver, host)).map((ip) => dialAddress(ip, port))),
    );
    return [...new Set(addresses.flat())].sort();
  };
}

async function addressesOf(resolver: Resolver, host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const ips = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  if (ips.length > 0) return ips;
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}
