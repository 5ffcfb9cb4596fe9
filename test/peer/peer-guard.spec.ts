import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/bootstrap/core.js';
import type { HypercacheConfig } from '../../src/config/config.types.js';
import { PeerAuth } from '../../src/peer/peer-auth.js';
import { PeerContacts } from '../../src/peer/peer-contacts.js';
import { PeerGuard } from '../../src/peer/peer.guard.js';
import { PEER_HEADERS, PROTOCOL_VERSION } from '../../src/peer/peer-protocol.js';
import { guardRequest, httpContext, thrown, writtenError } from '../support/guard-context.js';
import { testConfig } from '../support/test-config.js';

class DistRoutes {
  health() {}
}

interface Harness {
  guard: PeerGuard;
  failures: string[];
  contacts: string[];
}

/** A guard over a real PeerAuth and PeerContacts built from `config`; only the failure counter is a stub. */
function harness(config: Partial<HypercacheConfig>): Harness {
  const failures: string[] = [];
  const contacts: string[] = [];
  const peerContacts = new PeerContacts();
  peerContacts.subscribe((id) => contacts.push(id));
  const core = { node: { counters: { authFailure: (listener: string, reason: string) => failures.push(`${listener}|${reason}`) } } } as unknown as Core;
  return { guard: new PeerGuard(core, PeerAuth.fromConfig(testConfig(config)), peerContacts), failures, contacts };
}

const ctx = (headers: Record<string, string | string[]> = {}) => httpContext(guardRequest(headers), DistRoutes, 'health');
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const from = (sender: string) => ({ [PEER_HEADERS.sender]: sender });

describe('PeerGuard: the peer token', () => {
  it('without a peer token every request passes, credentials or not', () => {
    const h = harness({});
    expect(h.guard.canActivate(ctx())).toBe(true);
    expect(h.guard.canActivate(ctx(bearer('anything')))).toBe(true);
    expect(h.failures).toEqual([]);
  });

  for (const [label, config] of [
    ['HYPERCACHE_DIST_TOKEN', { distToken: 'peer-secret' }],
    ['HYPERCACHE_AUTH_TOKEN as the fallback', { authToken: 'peer-secret' }],
  ] as const) {
    it(`${label}: the exact bearer passes; missing, wrong or mis-cased → 401 envelope with WWW-Authenticate, counted on dist`, async () => {
      const h = harness(config);
      expect(h.guard.canActivate(ctx(bearer('peer-secret')))).toBe(true);
      for (const headers of [{}, bearer('wrong'), { authorization: 'bearer peer-secret' }, { authorization: 'peer-secret' }]) {
        expect(writtenError(await thrown(() => h.guard.canActivate(ctx(headers)))), JSON.stringify(headers)).toEqual({
          status: 401,
          headers: { 'www-authenticate': 'Bearer', 'content-type': 'application/json; charset=utf-8' },
          body: { error: 'unauthorized', code: 'UNAUTHORIZED' },
        });
      }
      expect(h.failures).toEqual(Array(4).fill('dist|unauthenticated'));
    });
  }

  it('HYPERCACHE_DIST_TOKEN wins: the client token is no peer credential then', async () => {
    const h = harness({ distToken: 'peer-secret', authToken: 'client-secret' });
    expect(h.guard.canActivate(ctx(bearer('peer-secret')))).toBe(true);
    expect(writtenError(await thrown(() => h.guard.canActivate(ctx(bearer('client-secret'))))).status).toBe(401);
  });
});

describe('PeerGuard: the protocol version', () => {
  it(`passes this major version (${PROTOCOL_VERSION}, ${PROTOCOL_VERSION}.x) and a request that names none`, () => {
    const h = harness({});
    for (const v of [`${PROTOCOL_VERSION}`, `${PROTOCOL_VERSION}.7`]) expect(h.guard.canActivate(ctx({ [PEER_HEADERS.protocol]: v }))).toBe(true);
    expect(h.guard.canActivate(ctx())).toBe(true);
  });

  it('another major version or a malformed one → 400 naming it, not counted as an auth failure', async () => {
    const h = harness({ distToken: 'peer-secret' });
    for (const v of [`${PROTOCOL_VERSION + 1}`, `v${PROTOCOL_VERSION}`, '']) {
      const err = await thrown(() => h.guard.canActivate(ctx({ ...bearer('peer-secret'), [PEER_HEADERS.protocol]: v })));
      expect(writtenError(err)).toEqual({
        status: 400,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: { error: `unsupported protocol version ${v}`, code: 'BAD_REQUEST' },
      });
    }
    expect(h.failures).toEqual([]);
  });

  it('the token is checked first: a bad token with a bad version is a 401', async () => {
    const h = harness({ distToken: 'peer-secret' });
    expect(writtenError(await thrown(() => h.guard.canActivate(ctx({ [PEER_HEADERS.protocol]: '99' })))).status).toBe(401);
  });
});

describe('PeerGuard: contact with the sender', () => {
  it('an admitted request records its sender as contact; refused requests and malformed IDs record nothing', async () => {
    const h = harness({ distToken: 'peer-secret' });
    expect(h.guard.canActivate(ctx({ ...bearer('peer-secret'), ...from('node-2') }))).toBe(true);
    expect(h.guard.canActivate(ctx(bearer('peer-secret')))).toBe(true);
    expect(h.guard.canActivate(ctx({ ...bearer('peer-secret'), ...from('not a node id!') }))).toBe(true);
    await thrown(() => h.guard.canActivate(ctx({ ...bearer('wrong'), ...from('node-3') })));
    await thrown(() => h.guard.canActivate(ctx({ ...bearer('peer-secret'), ...from('node-4'), [PEER_HEADERS.protocol]: '99' })));
    expect(h.contacts).toEqual(['node-2']);
  });
});
