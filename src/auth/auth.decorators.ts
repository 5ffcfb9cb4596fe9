import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import type { Scope } from './scopes.js';

export const SCOPE_KEY = 'hypercache:scope';
export const PUBLIC_KEY = 'hypercache:public';

/** A route that needs no credentials; they are not even examined (probes, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The scope a route requires; also declared in the OpenAPI document (bearer + x-required-scope). */
export const RequireScope = (scope: Scope) =>
  applyDecorators(SetMetadata(SCOPE_KEY, scope), ApiBearerAuth('bearer'), ApiExtension('x-required-scope', scope));
