import { describe, expect, it } from 'vitest';
import {
  AddressSyntaxError,
  formatAddress,
  isUnspecifiedHost,
  parseAddress,
} from '../../src/config/address.js';

describe('parseAddress', () => {
  it.each([
    [':8080', '', 8080],
    [':0', '', 0],
    [':65535', '', 65535],
    ['127.0.0.1:8080', '127.0.0.1', 8080],
    ['0.0.0.0:7946', '0.0.0.0', 7946],
    ['localhost:1', 'localhost', 1],
    ['node-1:7946', 'node-1', 7946],
    ['hypercache-0.hypercache-headless.ns.svc.cluster.local:7946', 'hypercache-0.hypercache-headless.ns.svc.cluster.local', 7946],
    ['example.com.:80', 'example.com.', 80],
    ['compose_node_1:80', 'compose_node_1', 80],
    ['[::1]:8080', '::1', 8080],
    ['[::]:8080', '::', 8080],
    ['[fd00::a:1]:7946', 'fd00::a:1', 7946],
  ] as const)('parses %s', (raw, host, port) => {
    expect(parseAddress(raw, { minPort: 0 })).toEqual({ host, port, raw });
  });

  it.each([
    '8080',
    'host',
    '',
    ':',
    ':port',
    ':-1',
    ':+80',
    ':65536',
    ':123456',
    'host:80:80',
    '::1:8080',
    '[::1]',
    '[::1',
    '::1]:80',
    '[1.2.3.4]:80',
    '[nothex::]:80',
    '256.1.1.1:80',
    '1.2.3:80',
    '-host:80',
    'host-:80',
    'a..b:80',
    'ho st:80',
    'höst:80',
    'http://host:80',
    `${'a'.repeat(64)}:80`,
    `${Array(64).fill('abc').join('.')}:80`,
    ' host:80',
    'host:80 ',
  ])('rejects %j', (raw) => {
    expect(() => parseAddress(raw, { minPort: 0 })).toThrow(AddressSyntaxError);
  });

  it('applies the port range', () => {
    expect(() => parseAddress(':0', { minPort: 1 })).toThrow(/port 0 out of range 1-65535/);
    expect(parseAddress(':1', { minPort: 1 }).port).toBe(1);
    expect(() => parseAddress(':81', { minPort: 1, maxPort: 80 })).toThrow(AddressSyntaxError);
  });
});

describe('isUnspecifiedHost', () => {
  it.each([
    ['', true],
    ['0.0.0.0', true],
    ['::', true],
    ['0:0:0:0:0:0:0:0', true],
    ['::1', false],
    ['127.0.0.1', false],
    ['node-1', false],
  ] as const)('%j → %s', (host, expected) => {
    expect(isUnspecifiedHost(host)).toBe(expected);
  });
});

describe('formatAddress', () => {
  it('brackets IPv6 literals only', () => {
    expect(formatAddress('::1', 7946)).toBe('[::1]:7946');
    expect(formatAddress('10.0.0.1', 7946)).toBe('10.0.0.1:7946');
    expect(formatAddress('node-1', 7946)).toBe('node-1:7946');
  });
});
