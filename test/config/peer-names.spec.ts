import { describe, expect, it } from 'vitest';
import { certificateAllowed, certificateNames, nameMatches, parsePeerNames } from '../../src/config/peer-names.js';

describe('HYPERCACHE_DIST_TLS_ALLOWED_NAMES matching', () => {
  it.each([
    ['node-a.peers.test', 'node-a.peers.test', true],
    ['node-a.peers.test', 'NODE-A.Peers.Test', true],
    ['node-a.peers.test', 'node-b.peers.test', false],
    ['*.peers.test', 'node-a.peers.test', true],
    ['*.peers.test', 'peers.test', false],
    ['*.peers.test', 'a.b.peers.test', false],
    ['*.peers.test', '.peers.test', false],
    ['*.peers.test', 'node-a.peers.test.evil', false],
    ['*.peers.test', 'node-a.xpeers.test', false],
    ['*.peers.test', '*.peers.test', true], // a wildcard certificate matches only the same wildcard entry
    ['node-a.peers.test', '*.peers.test', false],
    ['*.hc-headless.ns.svc.cluster.local', 'hc-0.hc-headless.ns.svc.cluster.local', true],
  ])('entry %s, certificate name %s → %s', (entry, name, expected) => {
    expect(nameMatches(parsePeerNames(entry)[0]!, name)).toBe(expected);
  });

  it('reads SAN DNS entries, and the CN only when there is none', () => {
    expect(certificateNames({ subjectaltname: 'DNS:a.test, IP Address:127.0.0.1, DNS:b.test', subject: { CN: 'reader' } })).toEqual(['a.test', 'b.test']);
    expect(certificateNames({ subjectaltname: 'IP Address:127.0.0.1', subject: { CN: 'node-a.peers.test' } })).toEqual(['node-a.peers.test']);
    expect(certificateNames({ subject: { CN: 'x.test' } })).toEqual(['x.test']);
    expect(certificateNames({})).toEqual([]);
  });

  it('a certificate is allowed when one of its names matches one entry', () => {
    const allowed = parsePeerNames('*.peers.test,backup.example');
    expect(certificateAllowed(allowed, { subjectaltname: 'DNS:node-a.peers.test' })).toBe(true);
    expect(certificateAllowed(allowed, { subjectaltname: 'DNS:reader.example, DNS:backup.example' })).toBe(true);
    // The CN is ignored when the certificate has SAN DNS entries.
    expect(certificateAllowed(allowed, { subjectaltname: 'DNS:reader.example', subject: { CN: 'node-a.peers.test' } })).toBe(false);
    expect(certificateAllowed(allowed, { subject: { CN: 'reader' } })).toBe(false);
    expect(certificateAllowed(allowed, {})).toBe(false);
  });
});
