import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CORE } from '../bootstrap/core-bridge.module.js';
import type { Core } from '../bootstrap/core.js';
import { NODE_ID_PATTERN } from '../config/patterns.js';
import { CacheError } from '../core/errors.js';
import { PeerAuth } from './peer-auth.js';
import { PeerContacts } from './peer-contacts.js';
import { PEER_HEADERS, supportsProtocol, unsupportedProtocolMessage } from './peer-protocol.js';

/**
 * Global guard of the dist app (CONTRACT §3.6, §7.1): every route, `GET /health` included, needs
 * the peer token when one is configured; then a request that names a protocol version must speak
 * this major version. Runs on headers only, before any body is read.
 */
@Injectable()
export class PeerGuard implements CanActivate {
  constructor(
    @Inject(CORE) private readonly core: Core,
    @Inject(PeerAuth) private readonly auth: PeerAuth,
    @Inject(PeerContacts) private readonly contacts: PeerContacts,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    if (!this.auth.authenticates(req.headers.authorization)) {
      this.core.node.counters.authFailure('dist', 'unauthenticated');
      throw new CacheError('UNAUTHORIZED', 'unauthorized');
    }
    const version = header(req, PEER_HEADERS.protocol);
    if (version !== undefined && !supportsProtocol(version)) {
      throw new CacheError('BAD_REQUEST', unsupportedProtocolMessage(version));
    }
    const sender = header(req, PEER_HEADERS.sender);
    if (sender !== undefined && NODE_ID_PATTERN.test(sender)) this.contacts.record(sender);
    return true;
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
