/** `HYPERCACHE_SEEDS` entries of docs/configuration.md §1, §2 and self-exclusion. */
import { AddressSyntaxError, isUnspecifiedHost, parseAddress } from './address.js';
import type { Seed } from './config.types.js';
import { NODE_ID_PATTERN } from './patterns.js';

export class SeedSyntaxError extends Error {
  override readonly name = 'SeedSyntaxError';
}

export interface SelfIdentity {
  nodeId: string;
  /** The advertised dist address, `host:port`. */
  advertiseAddr: string;
}

function parseDialAddress(entry: string, text: string): { host: string; port: number } {
  try {
    const { host, port } = parseAddress(text, { minPort: 1 });
    if (isUnspecifiedHost(host)) throw new AddressSyntaxError('a seed needs a concrete host');
    return { host, port };
  } catch (err) {
    throw new SeedSyntaxError(`entry ${JSON.stringify(entry)}: ${(err as Error).message}`);
  }
}

function parseSeed(entry: string): Seed {
  if (entry.startsWith('dns+')) return { kind: 'dns', ...parseDialAddress(entry, entry.slice(4)), raw: entry };
  const at = entry.indexOf('@');
  if (at < 0) return { kind: 'addr', ...parseDialAddress(entry, entry), raw: entry };
  const id = entry.slice(0, at);
  if (!NODE_ID_PATTERN.test(id)) {
    throw new SeedSyntaxError(`entry ${JSON.stringify(entry)}: invalid node ID ${JSON.stringify(id)}`);
  }
  return { kind: 'id', id, ...parseDialAddress(entry, entry.slice(at + 1)), raw: entry };
}

/** Splits the comma-separated list (entries trimmed, empty entries dropped) and parses every entry. */
export function parseSeeds(list: string): Seed[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map(parseSeed);
}

/** Drops entries naming this node: same ID, or same address as the advertised one. `dns+` entries are kept. */
export function excludeSelf(seeds: Seed[], self: SelfIdentity): Seed[] {
  const own = parseAddress(self.advertiseAddr, { minPort: 1 });
  const isOwnAddress = (seed: Seed): boolean =>
    seed.port === own.port && seed.host.toLowerCase() === own.host.toLowerCase();
  return seeds.filter((seed) => {
    if (seed.kind === 'dns') return true;
    if (seed.kind === 'id' && seed.id === self.nodeId) return false;
    return !isOwnAddress(seed);
  });
}
