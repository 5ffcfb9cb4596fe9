import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Core } from '../bootstrap/core.js';
import { peerMessageLimit } from '../core/replication/message-limits.js';
import { answerError, sendJson } from '../common/error-envelope.js';
import { readRawBody } from '../common/raw-body.js';
import { CacheError } from '../core/errors.js';
import type { PeerAuth } from './peer-auth.js';
import type { PeerContacts } from './peer-contacts.js';
import { REPLICATION_PATHS } from './peer-protocol.js';
import { admitPeer, checkPeerHeaders } from './peer.guard.js';
import { coordinateOp, readOp, replicateOp } from './replication-ops.js';

type FastOp = (core: Core, body: Buffer) => Promise<{ status: number; body: unknown }> | { status: number; body: unknown };

/**
 * The data-plane peer routes (`POST /peer/replicate`, `/peer/read`, `/peer/coordinate`) answered
 * from an `onRequest` hook of the dist listener instead of the Nest router: 2–3 of them are handled
 * per client PUT, and Nest's execution context (guard consumer, interceptors, parameter
 * extractors, the async body iterator) was most of a peer request's CPU (bench/PROFILE.md "Peer
 * path"). Same answers, same checks:
 *
 * - the route is matched by Fastify as before (so `http.route`, the HTTP metrics and the request
 *   span are unchanged, and the Nest controllers still document the routes in OpenAPI);
 * - the peer guard's header checks run first (`checkPeerHeaders`, the function the `PeerGuard`
 *   uses). A request they refuse is not answered here: it goes on to the Nest route, whose guard
 *   refuses it exactly as before (401 + `authFailure` counter, or 400 protocol version);
 * - an admitted request records the sender's contact, then its body is read within the dist
 *   message limit (413), validated whole (400, nothing applied) and handed to the same operation
 *   functions the controller calls (`replication-ops.ts`); errors leave through the same envelope
 *   as the app's exception filter.
 */
export function installPeerFastPath(fastify: FastifyInstance, core: Core, auth: PeerAuth, contacts: PeerContacts, logger: Logger): void {
  const ops = new Map<string, FastOp>([
    [REPLICATION_PATHS.replicate, (c, body) => ({ status: 200, body: replicateOp(c, body) })],
    [REPLICATION_PATHS.read, (c, body) => ({ status: 200, body: readOp(c, body) })],
    [REPLICATION_PATHS.coordinate, coordinateOp],
  ]);
  const limit = peerMessageLimit(core.config.maxValueBytes);
  const tooLarge = () => new CacheError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`);

  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const url = req.routeOptions.url;
    const op = req.method === 'POST' && url !== undefined ? ops.get(url) : undefined;
    if (op === undefined || checkPeerHeaders(auth, req.headers, req.raw.socket) !== undefined) return done();
    admitPeer(contacts, req.headers);
    readRawBody(req.raw, limit, tooLarge).then(
      (body) => op(core, body),
    ).then(
      (out) => sendJson(reply.code(out.status), out.body),
      (err: unknown) => answerError(reply, err, logger),
    );
  });
}
