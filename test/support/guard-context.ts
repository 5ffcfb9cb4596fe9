import type { ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { sendError, toEnvelope } from '../../src/common/error-envelope.js';

/** A plain request as a guard sees it: headers, and the raw socket (TLS fields only when given). */
export interface GuardRequest {
  headers: Record<string, string | string[] | undefined>;
  raw: { socket: object };
  identity?: unknown;
}

export function guardRequest(headers: GuardRequest['headers'] = {}, socket: object = {}): GuardRequest {
  return { headers, raw: { socket } };
}

/** A TLS socket whose handshake verified a client certificate with this CN (or failed to, with `authorized: false`). */
export function tlsSocket(cn: string, authorized = true): object {
  return { encrypted: true, authorized, getPeerCertificate: () => ({ subject: { CN: cn } }) };
}

/** The ExecutionContext Nest hands a guard for `handler` of controller class `cls` on an HTTP request. */
export function httpContext(req: GuardRequest, cls: abstract new (...args: never[]) => unknown, handler: string): ExecutionContext {
  const fn = (cls.prototype as Record<string, unknown>)[handler] as () => unknown;
  return {
    getHandler: () => fn,
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => undefined, getNext: () => undefined }),
  } as unknown as ExecutionContext;
}

export interface WrittenError {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** What the listeners' error path writes for `err` (status, headers, JSON body), through a recording reply. */
export function writtenError(err: unknown): WrittenError {
  const { status, body, error } = toEnvelope(err);
  const out: WrittenError = { status: 0, headers: {}, body: undefined };
  const reply = {
    request: { method: 'GET' },
    header(name: string, value: string) {
      out.headers[name.toLowerCase()] = value;
      return reply;
    },
    status(code: number) {
      out.status = code;
      return reply;
    },
    send(payload?: string) {
      out.body = payload === undefined ? undefined : JSON.parse(payload);
      return reply;
    },
  };
  sendError(reply as unknown as FastifyReply, status, body, error);
  return out;
}

/** Runs `fn` and returns what it threw (sync or async); fails when it did not throw. */
export async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the guard to refuse');
}
