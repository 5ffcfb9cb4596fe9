import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../common/error-envelope.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { PeerAuth } from './peer-auth.js';

/**
 * `HYPERCACHE_DIST_TLS_ALLOWED_NAMES` on the dist listener (docs/auth.md §6.1): a peer whose
 * certificate chains to the dist CA but carries none of the allowed names gets 401 on every request
 * of that connection, whatever the route, before the guard sees it (the fast path, peer-fast-path.ts,
 * leaves such a connection's requests to Fastify). Installed only when the list is set.
 */
export function installPeerCertificateCheck(fastify: FastifyInstance, auth: PeerAuth, node: Pick<CacheNodeApi, 'countAuthFailure'>): void {
  if (!auth.checksCertificateNames) return;
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (auth.admitsConnection(req.raw.socket)) return done();
    node.countAuthFailure('dist', 'unauthenticated');
    sendError(reply, 401, { error: 'unauthorized', code: 'UNAUTHORIZED' });
  });
}
