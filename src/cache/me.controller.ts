import { Controller, Get, Query, Req } from '@nestjs/common';
import { RequireScope } from '../auth/auth.decorators.js';
import type { AuthenticatedRequest } from '../auth/scope.guard.js';
import { capabilities, type Identity } from '../auth/scopes.js';
import { CacheError } from '../core/errors.js';
import { ApiMe, ApiMeCan } from './cache.openapi.js';
import { firstValue } from './key-param.js';

const KNOWN_CAPABILITIES = new Set(['cache.read', 'cache.write', 'cache.admin']);

/** `GET /v1/me` and `GET /v1/me/can` (CONTRACT §4.12), from the identity the guard resolved. */
@Controller('v1/me')
export class MeController {
  @Get()
  @RequireScope('read')
  @ApiMe()
  me(@Req() req: AuthenticatedRequest): { id: string; scopes: string[]; capabilities: string[] } {
    const identity = identityOf(req);
    return { id: identity.id, scopes: identity.scopes, capabilities: capabilities(identity) };
  }

  @Get('can')
  @RequireScope('read')
  @ApiMeCan()
  can(@Req() req: AuthenticatedRequest, @Query('capability') raw: unknown): { capability: string; allowed: boolean } {
    const capability = firstValue(raw);
    if (!capability) throw new CacheError('BAD_REQUEST', "missing 'capability' query parameter");
    if (!KNOWN_CAPABILITIES.has(capability)) throw new CacheError('BAD_REQUEST', `unknown capability '${capability}'`);
    return { capability, allowed: capabilities(identityOf(req)).includes(capability) };
  }
}

/** The guard sets the identity on every scoped route; its absence is a wiring bug (500). */
function identityOf(req: AuthenticatedRequest): Identity {
  if (!req.identity) throw new Error('scoped route reached without an identity');
  return req.identity;
}
