import type { Seed } from '../../config/config.types.js';

/**
 * A bootstrap peer as the membership machine sees it (docs/cluster.md §2). `dns` entries are resolved by
 * the caller, which passes the resolved `ip:port` list to `seedTick`.
 */
export type SeedSpec =
  | { kind: 'id'; id: string; address: string }
  | { kind: 'addr'; address: string }
  | { kind: 'dns'; name: string };

/** `host:port`, with IPv6 literals bracketed (config keeps them bare). */
export function dialAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The configured seed list (already self-excluded) in the machine's terms. */
export function seedSpecsOf(seeds: readonly Seed[]): SeedSpec[] {
  return seeds.map((s): SeedSpec => {
    switch (s.kind) {
      case 'id': return { kind: 'id', id: s.id, address: dialAddress(s.host, s.port) };
      case 'addr': return { kind: 'addr', address: dialAddress(s.host, s.port) };
      case 'dns': return { kind: 'dns', name: dialAddress(s.host, s.port) };
    }
  });
}
