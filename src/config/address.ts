import { isIPv4, isIPv6 } from 'node:net';
import type { ListenAddress } from './config.types.js';

/** `host:port` / `:port` of docs/configuration.md §2; host = DNS name, IPv4 literal or `[IPv6]` literal. */
export class AddressSyntaxError extends Error {
  override readonly name = 'AddressSyntaxError';
}

export interface PortRange {
  minPort: number;
  maxPort?: number;
}

// Labels of letters, digits, '-' and '_' (container and compose names use '_'), no leading/trailing '-'.
const DNS_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

function isDnsName(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253) return false;
  // A dotted all-numeric name is meant as IPv4 and must be a valid one.
  if (/^[0-9.]+$/.test(name)) return false;
  return name.split('.').every((label) => DNS_LABEL.test(label));
}

function parseHost(host: string): string {
  if (host.startsWith('[') && host.endsWith(']')) {
    const literal = host.slice(1, -1);
    if (!isIPv6(literal)) throw new AddressSyntaxError(`invalid IPv6 literal ${JSON.stringify(host)}`);
    return literal;
  }
  if (host === '' || isIPv4(host) || isDnsName(host)) return host;
  throw new AddressSyntaxError(`invalid host ${JSON.stringify(host)}`);
}

/** Parses `host:port` or `:port`. The returned host has no IPv6 brackets; '' means all interfaces. */
export function parseAddress(raw: string, { minPort, maxPort = 65535 }: PortRange): ListenAddress {
  const colon = raw.lastIndexOf(':');
  if (colon < 0) throw new AddressSyntaxError('missing ":port"');
  const hostPart = raw.slice(0, colon);
  const portPart = raw.slice(colon + 1);
  if (hostPart.includes(':') && !hostPart.startsWith('[')) {
    throw new AddressSyntaxError('IPv6 hosts must be written in brackets, e.g. [::1]:7946');
  }
  const host = parseHost(hostPart);
  if (!/^[0-9]{1,5}$/.test(portPart)) throw new AddressSyntaxError(`invalid port ${JSON.stringify(portPart)}`);
  const port = Number(portPart);
  if (port < minPort || port > maxPort) {
    throw new AddressSyntaxError(`port ${port} out of range ${minPort}-${maxPort}`);
  }
  return { host, port, raw };
}

/** True for hosts that name no single machine: '' (all interfaces) and the unspecified addresses. */
export function isUnspecifiedHost(host: string): boolean {
  if (host === '' || host === '0.0.0.0') return true;
  return isIPv6(host) && /^[0:]+$/.test(host);
}

/** Renders host and port back to `host:port`, bracketing IPv6 literals. */
export function formatAddress(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`;
}
