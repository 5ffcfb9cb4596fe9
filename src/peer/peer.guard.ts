import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import { NODE_ID_PATTERN } from '../config/patterns.js';
import { CacheError } from '../core/errors.js';
import { PeerAuth } from './peer-auth.js';
import { PeerContacts } from './peer-contacts.js';
import { PEER_HEADERS, supportsProtocol, unsupportedProtocolMessage } from './peer-protocol.js';

/** Why a peer request's headers are refused, or `undefined` when they pass. */
export type PeerRefusal = 'unauthenticated' | 'protocol' | undefined;

/**
 * The header checks of every dist route (docs/auth.md §6, docs/peer-protocol.md §1), framework-free: the peer token when
 * one is configured, then a named protocol version must be this major version. Side-effect free;
 * `admitPeer` records the contact once they pass. Shared by the Nest guard and the fast path of
 * the data-plane routes (peer-fast-path.ts), so both check exactly the same.
 */
export function checkPeerHeaders(auth: PeerAuth, headers: IncomingHttpHeaders, connection?: object): PeerRefusal {
  if (!auth.authenticates(headers.authorization, connection)) return 'unauthenticated';
  const version = header(headers, PEER_HEADERS.protocol);
  if (version !== undefined && !supportsProtocol(version)) return 'protocol';
  return undefined;
}

/** An admitted request is contact with its sender (docs/peer-protocol.md §1, docs/cluster.md §2). */
export function admitPeer(contacts: PeerContacts, headers: IncomingHttpHeaders): void {
  const sender = header(headers, PEER_HEADERS.sender);
  if (sender !== undefined && NODE_ID_PATTERN.test(sender)) contacts.record(sender);
}

/**
 * Global guard of the dist app (docs/auth.md §6, docs/peer-protocol.md §1): every route, `GET /health` included, needs
 * the peer token when one is configured; then a request that names a protocol version must speak
 * this major version. Runs on headers only, before any body is read.
 */
@Injectable()
export class PeerGuard implements CanActivate {
  constructor(
    @Inject(NODE) private readonly node: CacheNodeApi,
    @Inject(PeerAuth) private readonly auth: PeerAuth,
    @Inject(PeerContacts) private readonly contacts: PeerContacts,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const { headers } = req;
    const refusal = checkPeerHeaders(this.auth, headers, req.raw.socket);
    if (refusal === 'unauthenticated') {
      this.node.countAuthFailure('dist', 'unauthenticated');
      throw new CacheError('UNAUTHORIZED', 'unauthorized');
    }
    if (refusal === 'protocol') {
      throw new CacheError('BAD_REQUEST', unsupportedProtocolMessage(header(headers, PEER_HEADERS.protocol)!));
    }
    admitPeer(this.contacts, headers);
    return true;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
