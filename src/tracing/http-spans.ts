import { type Context, context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { parseTraceparent, TRACESTATE } from './traceparent.js';
import { activeTracer, initTracing } from './tracing.js';

/** Span attribute naming the listener that served the request (`client`, `management`, `dist`). */
export const ATTR_LISTENER = 'hypercache.listener';
// Stable HTTP semantic conventions (spelled out: the conventions package is only loaded with the SDK).
const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
const ATTR_HTTP_ROUTE = 'http.route';
const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
const ATTR_ERROR_TYPE = 'error.type';

export interface TracedApp {
  config: { nodeId: string };
  version: string;
  logger: Pick<Logger, 'info' | 'warn'>;
}

interface RequestTrace {
  span: Span;
  ctx: Context;
  ended: boolean;
}

/**
 * One SERVER span per HTTP request of a listener (when tracing is on; otherwise this installs
 * nothing). Name `<METHOD> <route template>` (just `<METHOD>` when no route matched); attributes
 * `http.request.method`, `http.route`, `http.response.status_code`, `hypercache.listener`, never a
 * path, key, value, header or token. An incoming W3C `traceparent` makes the span its child. The
 * span is the active context for the rest of the request, so peer calls the handler makes
 * (`traced()`) become its children.
 */
export async function installTracing(fastify: FastifyInstance, listener: string, app: TracedApp): Promise<void> {
  if (!(await initTracing({ nodeId: app.config.nodeId, version: app.version, logger: app.logger }))) return;
  const traces = new WeakMap<FastifyRequest, RequestTrace>();

  const end = (req: FastifyRequest, status: number): void => {
    const t = traces.get(req);
    if (!t || t.ended) return;
    t.ended = true;
    endRequestSpan(t.span, status);
  };

  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const tracer = activeTracer();
    if (!tracer) return done();
    const { span, ctx } = startRequestSpan(tracer, req.method, req.routeOptions.url, req.headers, listener);
    traces.set(req, { span, ctx, ended: false });
    // Hijacked replies (the SSE stream) and aborted requests never reach onResponse.
    reply.raw.once('close', () => end(req, reply.raw.statusCode));
    context.with(ctx, done);
  });
  // Re-entered before the handler, so the handler runs in the request's context whatever the hooks between did.
  fastify.addHook('preHandler', (req: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const t = traces.get(req);
    return t ? context.with(t.ctx, done) : done();
  });
  fastify.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    end(req, reply.statusCode);
    done();
  });
}

/**
 * The SERVER span of one request (see `installTracing`), and the context that makes it the parent
 * of what the request does. Shared by the Fastify hooks and the hot routes answered from the raw
 * request handler (src/cache/client-fast-path.ts), so both name and label it alike.
 */
export function startRequestSpan(tracer: Tracer, method: string, route: string | undefined, headers: IncomingHttpHeaders, listener: string): { span: Span; ctx: Context } {
  const remote = parseTraceparent(headers.traceparent, headers[TRACESTATE]);
  const parent = remote ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT;
  const span = tracer.startSpan(
    route ? `${method} ${route}` : method,
    {
      kind: SpanKind.SERVER,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_LISTENER]: listener, ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}) },
    },
    parent,
  );
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Ends a request span with the answer's status; a 5xx marks it as an error. */
export function endRequestSpan(span: Span, status: number): void {
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
