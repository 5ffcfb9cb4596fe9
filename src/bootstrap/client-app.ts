import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CacheModule } from '../cache/cache.module.js';
import { rawHotRoutes } from '../auth/hot-routes.js';
import { routeTable } from '../auth/route-policy.js';
import { clientHotRoutes } from '../cache/client-fast-path.js';
import { clientFastifyOptions } from '../cache/client-fastify-options.js';
import { OpenApiModule } from '../openapi/openapi.module.js';
import type { Core } from './core.js';
import { createApp, type HotRouteSwitch } from './create-app.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** The client API app (docs/api.md §1): every response names the entry node in `X-Cache-Node`. */
export function createClientApp(core: Core, tls?: TlsMaterial, opts: HotRouteSwitch = {}): Promise<NestFastifyApplication> {
  const nodeId = core.node.nodeId;
  return createApp(core, {
    listener: 'client',
    features: [CacheModule, OpenApiModule.forListener('client')],
    clientPolicy: true,
    // Batch bodies may reach 4 × MAX_VALUE_BYTES; handlers enforce each route's own limit.
    bodyLimit: 4 * core.config.maxValueBytes,
    fastifyOptions: clientFastifyOptions(),
    https: tls && {
      cert: tls.cert,
      key: tls.key,
      ca: tls.ca,
      requestCert: tls.ca !== undefined,
      rejectUnauthorized: tls.ca !== undefined,
      minVersion: 'TLSv1.2',
    },
    configure: (fastify) => {
      fastify.addHook('onRequest', (_req, reply, done) => {
        reply.header('x-cache-node', nodeId);
        done();
      });
    },
    // The single-key routes are answered ahead of Fastify; same guard checks, same answers (cache/client-fast-path.ts).
    ...(opts.hotRoutes !== false && {
      rawHotRoutes: (app, trail) => rawHotRoutes(routeTable(app, 'client'), clientHotRoutes(core, trail, nodeId)),
    }),
  });
}
