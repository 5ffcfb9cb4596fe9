import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../common/error-envelope.js';
import type { CoreCounters } from '../core/metrics/core-counters.js';
import type { PeerAuth } from './peer-auth.js';

/**
 * `HYPERCACHE_DIST_TLS_ALLOWED_NAMES` on the dist listener (docs/auth.md "Peer trust"): a peer whose
 * certificate chains to the dist CA but carries none of the allowed names gets 401 on every request
 * of that connection, whatever the route, before the fast path and the guard see it. Installed only
 * when the list is set.
 */
export function installPeerCertificateCheck(fastify: FastifyInstance, auth: PeerAuth, counters: Pick<CoreCounters, 'authFailure'>): void {
  if (!auth.checksCertificateNames) return;
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (auth.admitsConnection(req.raw.socket)) return done();
    counters.authFailure('dist', 'unauthenticated');
    sendError(reply, 401, { error: 'unauthorized', code: 'UNAUTHORIZED' });
  });
}
