import type { Logger } from 'pino';
import type { HotHook, HotOperation, HotRouteOperations } from '../auth/hot-routes.js';
import type { RoutePolicy } from '../auth/route-policy.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { CacheNodeApi } from '../core/node-api.js';
import { peerMessageLimit } from '../core/replication/message-limits.js';
import { answerError, sendJson } from '../common/error-envelope.js';
import { readRawBody } from '../common/raw-body.js';
import { CacheError } from '../core/errors.js';
import type { PeerAuth } from './peer-auth.js';
import type { PeerContacts } from './peer-contacts.js';
import { admitPeer, checkPeerHeaders } from './peer.guard.js';
import { ReplicationController } from './replication.controller.js';
import { type PeerOpAnswer, coordinateOp, peerAnswer, readOp, replicateOp } from './replication-ops.js';

type Operation = (body: Buffer) => Promise<PeerOpAnswer> | PeerOpAnswer;

/**
 * The dist listener's hot routes: `ReplicationController`'s `@HotRoute()` handlers (`POST
 * /peer/replicate`, `/peer/read`, `/peer/coordinate`) answered from their Fastify route's
 * `onRequest` hook instead of the Nest router (src/auth/hot-routes.ts): 2–3 of them are handled per
 * client PUT, and Nest's execution context (guard consumer, interceptors, parameter extractors, the
 * async body iterator) was most of a peer request's CPU (bench/PROFILE.md "Peer path"). Same
 * answers, same checks (docs/cluster.md, docs/auth.md "Where a request enters"):
 *
 * - the route is matched by Fastify as before (so `http.route`, the HTTP metrics and the request
 *   span are unchanged, and the Nest controllers still document the routes in OpenAPI);
 * - the peer guard's header checks run first (`checkPeerHeaders`, the function the `PeerGuard`
 *   uses). A request they refuse is not answered here: it goes on to the Nest route, whose guard
 *   refuses it exactly as before (401 + `authFailure` counter, or 400 protocol version);
 * - an admitted request records the sender's contact, then its body is read within the dist
 *   message limit (413), validated whole (400, nothing applied) and handed to the same operation
 *   functions the controller calls (`replication-ops.ts`), whose answer is a frame
 *   (docs/peer-protocol.md §3.1); errors leave through the same envelope as the app's exception filter.
 */
export function peerHotRoutes(deps: { node: CacheNodeApi; config: Pick<HypercacheConfig, 'maxValueBytes'> }, auth: PeerAuth, contacts: PeerContacts, logger: Logger): HotRouteOperations {
  const { node } = deps;
  const { maxValueBytes } = deps.config;
  const limit = peerMessageLimit(maxValueBytes);
  const tooLarge = () => new CacheError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`);
  const hot = (op: Operation) => (route: RoutePolicy): HotHook => {
    if (route.access.kind !== 'peer') throw new Error(`dist hot route ${route.method} ${route.path} must take peer credentials`);
    return (req, reply, done) => {
      if (checkPeerHeaders(auth, req.headers, req.raw.socket) !== undefined) return done();
      admitPeer(contacts, req.headers);
      readRawBody(req.raw, limit, tooLarge).then(
        (body) => op(body),
      ).then(
        (out) => {
          const body = peerAnswer(reply, out);
          if (Buffer.isBuffer(body)) reply.send(body);
          else sendJson(reply, body);
        },
        (err: unknown) => answerError(reply, err, logger),
      );
    };
  };
  const controller = ReplicationController.prototype;
  return new Map<RoutePolicy['handler'], HotOperation>([
    [controller.replicate, hot((body) => replicateOp(node, maxValueBytes, body))],
    [controller.read, hot((body) => readOp(node, body))],
    [controller.coordinate, hot((body) => coordinateOp(node, maxValueBytes, body))],
  ]);
}
