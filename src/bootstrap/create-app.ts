import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigModule } from '@nestjs/config';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { AuthModule } from '../auth/auth.module.js';
import { LISTENER, type ListenerName } from '../auth/scope.guard.js';
import { HttpErrorFilter } from '../common/http-error.filter.js';
import { NestPinoLogger } from '../common/nest-logger.js';
import { frameworkErrorOptions, HOST_CHECKED_BY_HOOK, installFrameworkErrorAnswers } from '../common/framework-errors.js';
import { ignoreRequestContentType, passThroughBodies } from '../common/raw-body.js';
import { configNamespace } from '../config/config.namespace.js';
import { type RawHotDispatch, RequestFront } from '../common/request-front.js';
import { RequestTrail } from '../metrics/request-trail.js';
import { installHttpMetrics } from '../metrics/http-metrics.js';
import { installTracing } from '../tracing/http-spans.js';
import { SeamsModule } from '../seams/seams.module.js';
import type { Core } from './core.js';

/** Server timeouts of docs/configuration.md §6: headers 10 s, whole request 30 s, keep-alive idle 65 s. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_MS = 65_000;

export interface AppSpec {
  listener: ListenerName;
  features: Array<Type<unknown> | DynamicModule>;
  /** Mount the auth guard (client and management); the dist app has peer auth instead. */
  clientPolicy: boolean;
  /** Largest body Fastify will let through (handlers enforce tighter per-route limits). */
  bodyLimit: number;
  https?: { key: Buffer; cert: Buffer; ca?: Buffer; requestCert: boolean; rejectUnauthorized: boolean; minVersion: 'TLSv1.2' };
  /** Fastify server options only one listener needs (the client API: raw `{key}` segments, see cache/client-fastify-options.ts). */
  fastifyOptions?: Pick<FastifyServerOptions, 'rewriteUrl' | 'routerOptions'>;
  /** Called with the Fastify instance (and the app, its providers resolvable) before Nest registers routes (hooks, parsers). */
  configure?: (fastify: FastifyInstance, app: NestFastifyApplication) => void;
  /**
   * The listener's hot routes answered from the raw request handler, ahead of Fastify (the client
   * API: cache/client-fast-path.ts; dist: peer/peer-fast-path.ts): built at the `configure` step, with the listener's trail
   * (metrics, span end, debug log). When set, the listener's server is created here
   * (common/request-front.ts) rather than by Fastify.
   */
  rawHotRoutes?: (app: NestFastifyApplication, trail: RequestTrail) => RawHotDispatch;
}

/**
 * Test-only switch of the client and dist apps: `hotRoutes: false` leaves the `@HotRoute()`s to the
 * Nest router, so test/e2e/hot-route-equivalence.spec.ts can compare both ways (docs/auth.md
 * "Where a request enters"). Production always serves them ahead of Nest.
 */
export interface HotRouteSwitch {
  /** Answer the `@HotRoute()`s from the raw request handler, ahead of Fastify and the Nest router (default true). */
  hotRoutes?: boolean;
}

/** Builds one Nest application on its own Fastify adapter around the shared core. */
export async function createApp(core: Core, spec: AppSpec): Promise<NestFastifyApplication> {
  @Module({
    imports: [
      SeamsModule.forProcess(core),
      // The configuration validated once in main.ts, carried into every module by @nestjs/config as
      // the `hypercache` namespace (config/config.namespace.ts): no .env file, no process.env, no
      // second validation. The CONFIG seam is this namespace's injection token.
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validatePredefined: false, skipProcessEnv: true, load: [configNamespace(core.config)] }),
      ...(spec.clientPolicy ? [AuthModule.forListener(spec.listener)] : []),
      ...spec.features,
    ],
    providers: [
      { provide: APP_FILTER, useClass: HttpErrorFilter },
      ...(spec.clientPolicy ? [] : [{ provide: LISTENER, useValue: spec.listener }]),
    ],
  })
  class ListenerAppModule {}

  const nodeIdHeader = spec.listener === 'client' ? core.node.nodeId : undefined;
  const front = spec.rawHotRoutes
    ? new RequestFront({
        http: HOST_CHECKED_BY_HOOK,
        ...(spec.https && { https: spec.https }),
        keepAliveTimeoutMs: KEEP_ALIVE_MS,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      })
    : undefined;
  const adapter = new FastifyAdapter({
    bodyLimit: spec.bodyLimit,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_MS,
    return503OnClosing: false,
    ...(spec.https ? { https: { ...spec.https, ...HOST_CHECKED_BY_HOOK } } : { http: HOST_CHECKED_BY_HOOK }),
    // Errors raised before a route runs still get the envelope (and X-Cache-Node on the client API).
    ...frameworkErrorOptions(nodeIdHeader),
    ...spec.fastifyOptions,
    // The server answers the raw hot routes first and hands everything else to Fastify's handler.
    ...(front && { serverFactory: front.serverFactory as unknown as FastifyServerOptions['serverFactory'] }),
  });
  const logger = core.logger.child({ listener: spec.listener });
  const app = await NestFactory.create<NestFastifyApplication>(ListenerAppModule, adapter, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  await installTracing(fastify, spec.listener, core); // first: the request span covers every other hook
  installFrameworkErrorAnswers(fastify, nodeIdHeader);
  passThroughBodies(fastify);
  ignoreRequestContentType(fastify);
  const trail = new RequestTrail(spec.listener, installHttpMetrics(fastify, spec.listener), logger);
  fastify.addHook('onResponse', (req, reply, done) => {
    trail.log(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
    done();
  });
  spec.configure?.(fastify, app);
  if (front && spec.rawHotRoutes) front.serve(fastify, spec.rawHotRoutes(app, trail));
  await app.init();
  app.getHttpServer().headersTimeout = HEADERS_TIMEOUT_MS;
  return app;
}
