/**
 * `HYPERCACHE_DIST_TLS_ALLOWED_NAMES` (docs/auth.md §6.1): the names a peer certificate must
 * carry. Parsing for the config loader, matching for the dist listener and the peer client.
 */

/** One DNS label: letters, digits and inner hyphens, 1–63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const MAX_NAME = 253;

export class PeerNameSyntaxError extends Error {
  override readonly name = 'PeerNameSyntaxError';
}

function isDnsName(name: string): boolean {
  return name.length <= MAX_NAME && name.split('.').every((label) => LABEL.test(label));
}

function checkEntry(entry: string): string {
  const name = entry.startsWith('*.') ? entry.slice(2) : entry;
  if (!isDnsName(name)) {
    throw new PeerNameSyntaxError(`entry ${JSON.stringify(entry)} is not a DNS name or a *. wildcard of one`);
  }
  return entry.toLowerCase();
}

/** Splits the comma-separated list (entries trimmed, empty entries dropped), lower-cased; at least one entry. */
export function parsePeerNames(list: string): string[] {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map(checkEntry);
  if (entries.length === 0) throw new PeerNameSyntaxError('no name in the list');
  return entries;
}

/** The names a certificate carries: its SAN DNS entries, or its CN when it has none. */
export interface CertificateNames {
  /** Node's `subjectaltname` string, e.g. `DNS:a.example, IP Address:127.0.0.1`. */
  subjectaltname?: string;
  subject?: { CN?: string | string[] };
}

export function certificateNames(cert: CertificateNames): string[] {
  const dns = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4));
  if (dns.length > 0) return dns;
  const cn = cert.subject?.CN;
  return cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
}

/**
 * Whether `name` (from a certificate) is allowed by `entry` (from the list): equal ignoring case, or
 * `entry` is `*.<suffix>` and `name` is exactly one label followed by `.<suffix>`. A wildcard name in
 * the certificate matches only the same wildcard entry.
 */
export function nameMatches(entry: string, name: string): boolean {
  const n = name.toLowerCase();
  if (n === entry) return true;
  if (!entry.startsWith('*.')) return false;
  const dot = n.indexOf('.');
  return dot > 0 && n.slice(dot + 1) === entry.slice(2) && LABEL.test(n.slice(0, dot));
}

/** True when the certificate carries one of the allowed names. */
export function certificateAllowed(allowed: readonly string[], cert: CertificateNames): boolean {
  return certificateNames(cert).some((name) => allowed.some((entry) => nameMatches(entry, name)));
}
