import { type Context, context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
    t.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) {
      t.span.setAttribute(ATTR_ERROR_TYPE, String(status));
      t.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    t.span.end();
  };

  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const tracer = activeTracer();
    if (!tracer) return done();
    const remote = parseTraceparent(req.headers.traceparent, req.headers[TRACESTATE]);
    const parent = remote ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT;
    const route = req.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${req.method} ${route}` : req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: req.method, [ATTR_LISTENER]: listener, ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}) },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
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
