import { createTraceState, isSpanContextValid, type SpanContext, TraceFlags } from '@opentelemetry/api';

/** W3C Trace Context (https://www.w3.org/TR/trace-context/) header names. */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The remote parent named by an incoming `traceparent` (and `tracestate`), or undefined when the
 * header is absent or invalid (then the server span starts a new trace). Version `ff` is invalid;
 * version 00 allows nothing after the flags; later versions may append fields, which are ignored.
 */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): SpanContext | undefined {
  const header = Array.isArray(traceparent) ? traceparent[0] : traceparent;
  if (typeof header !== 'string') return undefined;
  const m = TRACEPARENT_RE.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  const state = Array.isArray(tracestate) ? tracestate.join(',') : tracestate;
  const spanContext: SpanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: parseInt(flags!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(typeof state === 'string' && state !== '' ? { traceState: createTraceState(state) } : {}),
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The headers that make `spanContext` the parent of the receiver's span. */
export function traceHeaders(spanContext: SpanContext): Record<string, string> {
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  const headers: Record<string, string> = { [TRACEPARENT]: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}` };
  const state = spanContext.traceState?.serialize();
  if (state) headers[TRACESTATE] = state;
  return headers;
}
