import { context, type Span } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HotOperation, HotRouteOperations, RawHotHandler } from '../auth/hot-routes.js';
import type { RoutePolicy } from '../auth/route-policy.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { CacheNodeApi } from '../core/node-api.js';
import { peerMessageLimit } from '../core/replication/message-limits.js';
import { answerRawError, RawReply } from '../common/raw-reply.js';
import { readRawBody } from '../common/raw-body.js';
import { CacheError } from '../core/errors.js';
import type { RequestTrail } from '../metrics/request-trail.js';
import { startRequestSpan } from '../tracing/http-spans.js';
import { activeTracer } from '../tracing/tracing.js';
import type { PeerAuth } from './peer-auth.js';
import type { PeerContacts } from './peer-contacts.js';
import { admitPeer, checkPeerHeaders } from './peer.guard.js';
import { ReplicationController } from './replication.controller.js';
import { type PeerOpAnswer, coordinateOp, peerAnswer, readOp, replicateOp } from './replication-ops.js';

type Operation = (body: Buffer) => Promise<PeerOpAnswer> | PeerOpAnswer;

/** What the peer hot routes call: the node's facade and the value size limit (the dist message limit follows from it). */
export interface PeerHotRouteDeps {
  node: CacheNodeApi;
  config: Pick<HypercacheConfig, 'maxValueBytes'>;
}

/**
 * The dist listener's hot routes: `ReplicationController`'s `@HotRoute()` handlers (`POST
 * /peer/replicate`, `/peer/read`, `/peer/coordinate`) answered from the raw Node request handler,
 * ahead of Fastify's routing and hook chain (src/common/request-front.ts, src/auth/hot-routes.ts),
 * as the client listener's single-key routes are. 2–3 of them are handled per client PUT and one
 * per forwarded GET; Fastify's request, reply and hooks were most of an owner's CPU per forwarded
 * read (bench/PROFILE.md). Same checks, same answers (docs/cluster.md, docs/auth.md "Where a
 * request enters"):
 *
 * - Only the exact path is answered (no query); a request with `Expect`, an HTTP/1.1 request
 *   without `Host` and every request once the app is closing go to Fastify (`RequestFront`).
 * - A connection whose certificate is outside `HYPERCACHE_DIST_TLS_ALLOWED_NAMES`, and headers the
 *   peer guard refuses (`checkPeerHeaders`, the `PeerGuard`'s own function: peer token, protocol
 *   version), are not answered here: the request goes on to Fastify, whose certificate hook or the
 *   Nest route's guard refuses it exactly as before (401 + `authFailure` counter, or 400).
 * - An admitted request records the sender's contact, then its body is read within the dist
 *   message limit (413), validated whole (400, nothing applied) and handed to the same operation
 *   functions the controller calls (`replication-ops.ts`), whose answer is a frame
 *   (docs/peer-protocol.md §3.1) written into a `RawReply`; errors leave through the same envelope
 *   (`answerRawError`).
 * - What Fastify's hooks would add is added here: the request span (named and labelled with the
 *   route, the operation run in its context, so the peer calls of a forwarded write are its
 *   children), the HTTP metrics with the `dist` listener label and the debug log line (`RequestTrail`).
 */
export function peerHotRoutes(deps: PeerHotRouteDeps, auth: PeerAuth, contacts: PeerContacts, trail: RequestTrail): HotRouteOperations {
  const { node } = deps;
  const { maxValueBytes } = deps.config;
  const limit = peerMessageLimit(maxValueBytes);
  const tooLarge = () => new CacheError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`);
  const readBody = (req: IncomingMessage) => readRawBody(req, limit, tooLarge);
  const hot = (op: Operation) => (route: RoutePolicy) => rawPeerHandler(route, op, readBody, auth, contacts, trail);
  const controller = ReplicationController.prototype;
  return new Map<RoutePolicy['handler'], HotOperation>([
    [controller.replicate, hot((body) => replicateOp(node, maxValueBytes, body))],
    [controller.read, hot((body) => readOp(node, body))],
    [controller.coordinate, hot((body) => coordinateOp(node, maxValueBytes, body))],
  ]);
}

/** The raw handler of one data-plane route: the guard's admission, then body → `op` → frame; otherwise false (on to Fastify). */
function rawPeerHandler(
  route: RoutePolicy,
  op: Operation,
  readBody: (req: IncomingMessage) => Promise<Buffer>,
  auth: PeerAuth,
  contacts: PeerContacts,
  trail: RequestTrail,
): RawHotHandler {
  if (route.access.kind !== 'peer') throw new Error(`dist hot route ${route.method} ${route.path} must take peer credentials`);
  const { method, path } = route;
  const logger = trail.logger;

  const finish = (res: ServerResponse, start: number, span: Span | undefined) =>
    trail.answered(method, path, res.statusCode, performance.now() - start, span);
  const run = (req: IncomingMessage, res: ServerResponse, start: number, span: Span | undefined) => {
    readBody(req).then(op).then(
      (out) => {
        const reply = new RawReply([]);
        reply.send(res, method, peerAnswer(reply, out));
        finish(res, start, span);
      },
      (err: unknown) => {
        answerRawError(res, method, [], err, logger);
        finish(res, start, span);
      },
    );
  };

  return (req, res) => {
    const start = performance.now();
    const { socket, headers } = req;
    if (!auth.admitsConnection(socket) || checkPeerHeaders(auth, headers, socket) !== undefined) return false;
    admitPeer(contacts, headers);
    const tracer = activeTracer();
    if (tracer === undefined) {
      run(req, res, start, undefined);
    } else {
      const { span, ctx } = startRequestSpan(tracer, method, path, headers, trail.listener);
      context.with(ctx, run, undefined, req, res, start, span);
    }
    return true;
  };
}
