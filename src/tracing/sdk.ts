import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/**
 * The OpenTelemetry SDK part of tracing. Loaded with a dynamic `import()` only when tracing is
 * on, so a node without `OTEL_EXPORTER_OTLP_ENDPOINT` never even loads the SDK and exporter.
 */
export interface SdkProvider {
  tracer: Tracer;
  /** Exports what is queued, then stops the processor and exporter. */
  shutdown(): Promise<void>;
  /** The provider, for `trace.setGlobalTracerProvider`. */
  provider: BasicTracerProvider;
}

export function createProvider(opts: { tracesUrl: string; resource: Record<string, string>; serviceName: string; version: string; tracerName: string }): SdkProvider {
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ ...opts.resource, [ATTR_SERVICE_NAME]: opts.serviceName, [ATTR_SERVICE_VERSION]: opts.version }),
    ),
    // BatchSpanProcessor honours OTEL_BSP_* (queue size, batch size, schedule delay, export timeout).
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.tracesUrl }))],
  });
  return { provider, tracer: provider.getTracer(opts.tracerName, opts.version), shutdown: () => provider.shutdown() };
}
