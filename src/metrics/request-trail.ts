import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { HttpMetrics } from './http-metrics.js';
import { endRequestSpan } from '../tracing/http-spans.js';

/**
 * What every answered request of a listener leaves behind besides its answer: the HTTP metrics
 * (docs/api.md §2.4), the end of its request span, and the debug `request` log line. Fastify's
 * `onResponse` hooks write them for the requests it routes; the hot routes answered from the raw
 * request handler (src/cache/client-fast-path.ts, src/peer/peer-fast-path.ts) call `answered` with
 * the same labels.
 */
export class RequestTrail {
  constructor(
    readonly listener: 'client' | 'management' | 'dist',
    private readonly metrics: HttpMetrics,
    readonly logger: Logger,
  ) {}

  /** The debug line of one answered request (`route` is the template, `unmatched` when none matched). */
  log(method: string, route: string, status: number, elapsedMs: number): void {
    if (this.logger.isLevelEnabled('debug')) {
      this.logger.debug({ method, route, status, duration_ms: Math.round(elapsedMs) }, 'request');
    }
  }

  /** A request answered outside Fastify: its metrics, its span (if traced) and its log line. */
  answered(method: string, route: string, status: number, elapsedMs: number, span: Span | undefined): void {
    this.metrics.record(method, route, status, elapsedMs / 1000);
    if (span !== undefined) endRequestSpan(span, status);
    this.log(method, route, status, elapsedMs);
  }
}
