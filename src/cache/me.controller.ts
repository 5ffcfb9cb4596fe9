import { Controller, Get, Query, Req, UsePipes } from '@nestjs/common';
import { RequireScope } from '../auth/auth.decorators.js';
import type { AuthenticatedRequest } from '../auth/scope.guard.js';
import { capabilities, type Identity } from '../auth/scopes.js';
import { dtoValidation } from '../common/dto-validation.pipe.js';
import { ApiMe, ApiMeCan } from './cache.openapi.js';
import { MeCanQuery } from './me-can.query.js';

/** `GET /v1/me` and `GET /v1/me/can` (docs/api.md §1.13), from the identity the guard resolved. */
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
  @UsePipes(dtoValidation)
  can(@Req() req: AuthenticatedRequest, @Query() { capability }: MeCanQuery): { capability: string; allowed: boolean } {
    return { capability, allowed: capabilities(identityOf(req)).includes(capability) };
  }
}

/** The guard sets the identity on every scoped route; its absence is a wiring bug (500). */
function identityOf(req: AuthenticatedRequest): Identity {
  if (!req.identity) throw new Error('scoped route reached without an identity');
  return req.identity;
}
