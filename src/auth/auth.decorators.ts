import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '../common/api-docs.js';
import type { Scope } from './scopes.js';

// What these decorators declare is read in one place: src/auth/route-policy.ts.
export const SCOPE_KEY = 'hypercache:scope';
export const PUBLIC_KEY = 'hypercache:public';
export const HOT_ROUTE_KEY = 'hypercache:hot-route';

/** A route that needs no credentials; they are not even examined (probes, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The scope a route requires; also declared in the OpenAPI document (bearer + x-required-scope). */
export const RequireScope = (scope: Scope) =>
  applyDecorators(SetMetadata(SCOPE_KEY, scope), ApiBearerAuth('bearer'), ApiExtension('x-required-scope', scope));

/**
 * A route answered ahead of the Nest router (client API: from the raw request handler; dist: from a
 * Fastify hook), with the same checks and the same
 * answers (docs/auth.md "Where a request enters"). The listener's hot-route operations must name
 * this handler (src/cache/client-fast-path.ts, src/peer/peer-fast-path.ts); boot fails otherwise.
 */
export const HotRoute = () => SetMetadata(HOT_ROUTE_KEY, true);
