import { type Attributes, context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { traceHeaders } from './traceparent.js';
import { activeTracer } from './tracing.js';

/** Span attributes of a peer call: the operation (docs/api.md §2.4 peer `op`) and the peer's `host:port`. */
export const ATTR_PEER_OP = 'hypercache.peer.op';
export const ATTR_PEER_ADDRESS = 'hypercache.peer.address';
const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
const ATTR_ERROR_TYPE = 'error.type';

/**
 * Runs one outbound peer call inside a CLIENT span `peer <op>`, child of the active span (the
 * request being served, or none for background loops). `fn` gets the headers to add to the
 * request (`traceparent`, maybe `tracestate`), so the peer's server span becomes the child of this
 * one. When tracing is off, `fn(undefined)` is called directly: no span, no allocation.
 * A result with a numeric `status` sets `http.response.status_code` (≥ 400 marks the span failed);
 * a throw marks it failed with `error.type` (the error's code or name, never its message).
 */
export function traced<T>(op: string, fn: (headers: Record<string, string> | undefined) => Promise<T>, attributes?: Attributes): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return fn(undefined);
  const span = tracer.startSpan(`peer ${op}`, { kind: SpanKind.CLIENT, attributes: { [ATTR_PEER_OP]: op, ...attributes } }, context.active());
  const run = async (): Promise<T> => {
    try {
      const result = await fn(traceHeaders(span.spanContext()));
      const status = (result as { status?: unknown } | null)?.status;
      if (typeof status === 'number') {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        if (status >= 400) {
          span.setAttribute(ATTR_ERROR_TYPE, String(status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      return result;
    } catch (err) {
      const e = err as { code?: unknown; name?: unknown } | null;
      span.setAttribute(ATTR_ERROR_TYPE, typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  };
  // The call itself runs with the client span active (anything it starts nests under it).
  return context.with(trace.setSpan(context.active(), span), run);
}

/** The peer `op` of a dist path: `/peer/ping_req` → `ping_req`, `/health` → `health`. */
export function peerOp(path: string): string {
  const bare = path.split('?', 1)[0]!.replace(/\/+$/, '');
  return bare.slice(bare.lastIndexOf('/') + 1) || 'unknown';
}
