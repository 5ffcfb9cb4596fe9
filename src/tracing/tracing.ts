import { context, type DiagLogger, DiagLogLevel, diag, type Tracer, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { AsyncLocalStorageContextManager } from './context-manager.js';
import type { SdkProvider } from './sdk.js';

/**
 * OpenTelemetry tracing of the node (off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set).
 *
 * These are standard OpenTelemetry variables, not `HYPERCACHE_*` ones, so the config loader never
 * sees them; they are read here, once per process, when the first listener app is built. Unset:
 * nothing is installed (the SDK is not even loaded, no hooks, no context manager) and `traced()`
 * calls straight through. Set: one tracer provider per process with a batch processor and the
 * OTLP/HTTP (JSON) exporter posting to `<endpoint>/v1/traces`. The SDK's own variables still apply
 * (`OTEL_TRACES_SAMPLER[_ARG]`, `OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`).
 */

export const DEFAULT_SERVICE_NAME = 'hypercache-server';
/** Resource attribute naming the node (its `HYPERCACHE_NODE_ID`). */
export const ATTR_NODE_ID = 'hypercache.node_id';
const TRACER_NAME = 'hypercache-server';
const DIAG_EVERY_MS = 60_000;

export interface TracingSettings {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT` without a trailing `/`. */
  endpoint: string;
  /** Where spans are posted: `<endpoint>/v1/traces`. */
  tracesUrl: string;
  serviceName: string;
}

export interface TracingOptions {
  nodeId: string;
  version: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

let sdk: SdkProvider | undefined;
/** Set by the first `initTracing` of the process: whether (and with which tracer) it traces. */
let decision: Promise<Tracer | undefined> | undefined;

/**
 * Tracing settings from the environment, or undefined when tracing is off: the endpoint unset or
 * empty, or `OTEL_SDK_DISABLED=true`. Throws on an endpoint that is not an http(s) URL.
 */
export function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings | undefined {
  const raw = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!raw || env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new Error('OTEL_EXPORTER_OTLP_ENDPOINT: expected an http(s) URL');
  const endpoint = raw.replace(/\/+$/, '');
  return { endpoint, tracesUrl: `${endpoint}/v1/traces`, serviceName: env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME };
}

/**
 * Starts tracing for this process when the environment asks for it. The first call decides;
 * later calls return the same answer. Resolves with the tracer, or undefined when tracing is off.
 * An invalid endpoint is logged at warn and leaves tracing off: telemetry never stops the cache
 * from serving.
 */
export function initTracing(opts: TracingOptions): Promise<Tracer | undefined> {
  decision ??= start(opts);
  return decision;
}

async function start(opts: TracingOptions): Promise<Tracer | undefined> {
  let settings: TracingSettings | undefined;
  try {
    settings = tracingSettings(opts.env ?? process.env);
  } catch (err) {
    opts.logger?.warn({ error: (err as Error).message }, 'tracing disabled: invalid configuration');
    return undefined;
  }
  if (!settings) return undefined;
  const { createProvider } = await import('./sdk.js');
  const created = createProvider({
    tracesUrl: settings.tracesUrl,
    serviceName: settings.serviceName,
    version: opts.version,
    resource: { [ATTR_NODE_ID]: opts.nodeId },
    tracerName: TRACER_NAME,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(created.provider);
  if (opts.logger) diag.setLogger(rateLimitedDiag(opts.logger), DiagLogLevel.WARN);
  sdk = created;
  opts.logger?.info({ endpoint: redactUrl(settings.endpoint), service_name: settings.serviceName }, 'tracing enabled');
  return created.tracer;
}

/** The process tracer while tracing runs, else undefined (the hot-path check). */
export function activeTracer(): Tracer | undefined {
  return sdk?.tracer;
}

/** Exports every finished span now (tests, diagnostics); a no-op when tracing is off. */
export async function flushTracing(): Promise<void> {
  await decision;
  await sdk?.provider.forceFlush();
}

/**
 * Flushes the spans still queued and shuts the provider down, within `timeoutMs` (an unreachable
 * collector never holds up the exit). Call it last in the shutdown sequence; a no-op when tracing
 * is off. Afterwards the installed hooks create no more spans, and a later `initTracing` reads the
 * environment again.
 */
export async function shutdownTracing(timeoutMs = 5_000): Promise<void> {
  const pending = decision;
  decision = undefined;
  await pending;
  const current = sdk;
  sdk = undefined;
  if (!current) return;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([current.shutdown().catch(() => undefined), expired]);
  } finally {
    clearTimeout(timer);
    trace.disable();
    context.disable();
    diag.disable();
  }
}

/** SDK diagnostics (failed exports above all) as one warn line per minute at most. */
function rateLimitedDiag(logger: Pick<Logger, 'warn'>): DiagLogger {
  let last = -Infinity;
  let suppressed = 0;
  const report = (message: string) => {
    const now = Date.now();
    if (now - last < DIAG_EVERY_MS) {
      suppressed++;
      return;
    }
    last = now;
    logger.warn({ detail: String(message).slice(0, 500), suppressed }, 'tracing error');
    suppressed = 0;
  };
  const ignore = () => {};
  return { error: report, warn: report, info: ignore, debug: ignore, verbose: ignore };
}

/** The endpoint as logged: never a user:password it may carry. */
function redactUrl(raw: string): string {
  const url = new URL(raw);
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/+$/, '');
}
