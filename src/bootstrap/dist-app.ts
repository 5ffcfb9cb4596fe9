import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { peerMessageLimit } from '../core/replication/message-limits.js';
import { PeerModule } from '../peer/peer.module.js';
import { PeerAuth } from '../peer/peer-auth.js';
import { PeerContacts } from '../peer/peer-contacts.js';
import { installPeerCertificateCheck } from '../peer/peer-certificate-check.js';
import { rawHotRoutes } from '../auth/hot-routes.js';
import { routeTable } from '../auth/route-policy.js';
import { peerHotRoutes } from '../peer/peer-fast-path.js';
import { OpenApiModule } from '../openapi/openapi.module.js';
import type { DistTlsMaterial } from '../config/load-files.js';
import type { Core } from './core.js';
import { createApp, type HotRouteSwitch } from './create-app.js';

/**
 * The peer listener. With TLS material it serves TLS ≥ 1.2 only and the handshake fails without a
 * client certificate chaining to the dist CA (docs/auth.md §6.1); a certificate outside
 * `HYPERCACHE_DIST_TLS_ALLOWED_NAMES` gets 401 on every request; the peer token is the PeerModule guard's.
 */
export function createDistApp(core: Core, tls?: DistTlsMaterial, opts: HotRouteSwitch = {}): Promise<NestFastifyApplication> {
  return createApp(core, {
    listener: 'dist',
    features: [PeerModule, OpenApiModule.forListener('dist')],
    clientPolicy: false,
    bodyLimit: peerMessageLimit(core.config.maxValueBytes),
    configure: (fastify, app) => installPeerCertificateCheck(fastify, app.get(PeerAuth), core.node),
    // The data-plane routes are answered ahead of Fastify; same guard checks, same answers (peer/peer-fast-path.ts).
    ...(opts.hotRoutes !== false && {
      rawHotRoutes: (app, trail) => rawHotRoutes(routeTable(app, 'dist'), peerHotRoutes(core, app.get(PeerAuth), app.get(PeerContacts), trail)),
    }),
    https: tls && { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
  });
}
