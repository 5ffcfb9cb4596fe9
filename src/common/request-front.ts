import type { FastifyInstance } from 'fastify';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';

/** The raw request handler of a listener's hot routes (src/auth/hot-routes.ts): true when it answered the request, false to hand it to Fastify. */
export type RawHotDispatch = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The Node server settings Fastify applies to a server it creates itself (docs/configuration.md §6). */
export interface FrontServerOptions {
  http: http.ServerOptions;
  /** Set for a TLS listener. */
  https?: https.ServerOptions;
  keepAliveTimeoutMs: number;
  requestTimeoutMs: number;
}

/**
 * The listener's own HTTP(S) server, created for Fastify through the adapter's `serverFactory`, so
 * that the hot routes can be answered from the raw Node request handler before Fastify's routing
 * and hook chain (docs/auth.md "Where a request enters"). Every request goes first to the hot
 * dispatch (`serve`); whatever it does not answer goes to Fastify's own handler unchanged:
 *
 * - requests the framework answers itself (docs/api.md §1.16): an HTTP/1.1 request without `Host`,
 *   any `Expect` header (Node answers an unsupported one before the handler; `100-continue` is
 *   left to Fastify too);
 * - every request once the app is closing (Fastify then adds `Connection: close`);
 * - every request the dispatch declines (another route, an odd target, credentials it cannot
 *   admit synchronously).
 */
export class RequestFront {
  private hot: RawHotDispatch | undefined;
  private closing = false;

  constructor(private readonly options: FrontServerOptions) {}

  /** The adapter's `serverFactory`: Fastify's handler behind the hot dispatch, with Fastify's own server settings. */
  readonly serverFactory = (fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void): http.Server => {
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      const hot = this.hot;
      if (hot === undefined || this.closing || req.headers.expect !== undefined || (req.headers.host === undefined && req.httpVersion === '1.1') || !hot(req, res)) {
        fastifyHandler(req, res);
      }
    };
    const { options } = this;
    const server = options.https ? https.createServer({ ...options.https, ...options.http }, listener) : http.createServer(options.http, listener);
    server.keepAliveTimeout = options.keepAliveTimeoutMs;
    server.requestTimeout = options.requestTimeoutMs;
    server.setTimeout(0); // Fastify's connectionTimeout default
    return server;
  };

  /** Answers the hot routes with `dispatch` from now on; `fastify`'s close (its preClose step) hands everything back. */
  serve(fastify: FastifyInstance, dispatch: RawHotDispatch): void {
    this.hot = dispatch;
    fastify.addHook('preClose', (done) => {
      this.closing = true;
      done();
    });
  }
}
