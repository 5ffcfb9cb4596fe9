import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { AUTH_POLICY, NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { AuthPolicy } from '../auth/auth-policy.js';
import { CacheError } from '../core/errors.js';
import { routeAccess } from './route-policy.js';
import { hasScope, type Identity, type Scope } from './scopes.js';

export const LISTENER = Symbol('LISTENER');
export type ListenerName = 'client' | 'management' | 'dist';

export interface AuthenticatedRequest extends FastifyRequest {
  identity?: Identity;
}

/**
 * Applied globally (default deny): a route must carry @Public() or @RequireScope(), as read by
 * the route policy (route-policy.ts). Identity is resolved from the headers only, before the
 * handler reads any body.
 */
@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(
    @Inject(NODE) private readonly node: CacheNodeApi,
    @Inject(AUTH_POLICY) private readonly auth: AuthPolicy,
    @Inject(LISTENER) private readonly listener: ListenerName,
  ) {}

  canActivate(ctx: ExecutionContext): boolean | Promise<boolean> {
    const access = routeAccess(this.listener, ctx.getHandler(), ctx.getClass());
    if (access.kind === 'public') return true;
    const scope = access.kind === 'scope' ? access.scope : undefined;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const resolved = this.auth.resolve(req.headers.authorization, verifiedCertCn(req), req.raw.socket);
    // Only an OIDC JWT is verified asynchronously; static tokens and certificates stay synchronous.
    return resolved instanceof Promise
      ? resolved.then((identity) => this.authorize(req, identity, scope))
      : this.authorize(req, resolved, scope);
  }

  private authorize(req: AuthenticatedRequest, identity: Identity | undefined, scope: Scope | undefined): boolean {
    if (!identity) {
      this.node.countAuthFailure(this.listener, 'unauthenticated');
      throw new CacheError('UNAUTHORIZED', 'unauthorized');
    }
    req.identity = identity;
    if (!scope) throw new CacheError('FORBIDDEN', 'forbidden: route has no scope policy');
    if (!hasScope(identity, scope)) {
      this.node.countAuthFailure(this.listener, 'forbidden');
      throw new CacheError('FORBIDDEN', `forbidden: requires scope ${scope}`);
    }
    return true;
  }
}

/** CN of a client certificate the TLS handshake verified, if any. */
export function verifiedCertCn(req: FastifyRequest): string | undefined {
  return verifiedSocketCn(req.raw.socket);
}

/** CN of the client certificate the TLS handshake of `socket` verified, if any. */
export function verifiedSocketCn(connection: object): string | undefined {
  const socket = connection as TLSSocket;
  if (!socket.encrypted || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined;
}
