import type { components } from './generated/api.js';

/** The stable error codes of the client API (the `code` of the `{error, code}` envelope). */
export type ErrorCode = components['schemas']['ErrorResponse']['code'];

/** Every error this client throws. `code` is the server's code, or `CONNECTION` when no node answered. */
export class HypercacheError extends Error {
  override name = 'HypercacheError';
  constructor(
    message: string,
    /** The envelope's code, or `CONNECTION`. */
    readonly code: ErrorCode | 'CONNECTION',
    /** HTTP status; 0 for `CONNECTION`. */
    readonly status: number,
    /** The node that answered (`X-Cache-Node`), when one did. */
    readonly node?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class BadRequestError extends HypercacheError { override name = 'BadRequestError'; }
export class UnauthorizedError extends HypercacheError { override name = 'UnauthorizedError'; }
export class ForbiddenError extends HypercacheError { override name = 'ForbiddenError'; }
export class NotFoundError extends HypercacheError { override name = 'NotFoundError'; }
export class PayloadTooLargeError extends HypercacheError { override name = 'PayloadTooLargeError'; }
export class InternalError extends HypercacheError { override name = 'InternalError'; }
export class DrainingError extends HypercacheError { override name = 'DrainingError'; }
export class UnavailableError extends HypercacheError { override name = 'UnavailableError'; }
/** No node could be reached (connection refused or reset, timeout) on any candidate. */
export class ConnectionError extends HypercacheError { override name = 'ConnectionError'; }

/** 412: `etag` is the current version's ETag when the key exists. */
export class PreconditionFailedError extends HypercacheError {
  override name = 'PreconditionFailedError';
  etag?: string;
}

/** 503 `QUORUM_NOT_MET`: `acks` of `required` owners confirmed (nothing is rolled back). */
export class QuorumNotMetError extends HypercacheError {
  override name = 'QuorumNotMetError';
  acks?: number;
  n?: number;
}

const CLASSES: Record<ErrorCode, typeof HypercacheError> = {
  BAD_REQUEST: BadRequestError,
  UNAUTHORIZED: UnauthorizedError,
  FORBIDDEN: ForbiddenError,
  NOT_FOUND: NotFoundError,
  PRECONDITION_FAILED: PreconditionFailedError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  INTERNAL: InternalError,
  DRAINING: DrainingError,
  QUORUM_NOT_MET: QuorumNotMetError,
  UNAVAILABLE: UnavailableError,
};

const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 412: 'PRECONDITION_FAILED', 413: 'PAYLOAD_TOO_LARGE', 503: 'UNAVAILABLE',
};

function isCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && Object.hasOwn(CLASSES, v);
}

/** The envelope's code of an error answer (by status when the body is not an envelope, e.g. HEAD). */
export function codeOf(status: number, body: unknown): ErrorCode {
  const code = (body as { code?: unknown } | null)?.code;
  return isCode(code) ? code : (CODE_OF_STATUS[status] ?? 'INTERNAL');
}

/** The typed error for an error answer. */
export function errorOf(status: number, body: unknown, headers: { node?: string; etag?: string; acks?: string }): HypercacheError {
  const code = codeOf(status, body);
  const msg = (body as { error?: unknown } | null)?.error;
  const err = new CLASSES[code](typeof msg === 'string' ? msg : `HTTP ${status}`, code, status, headers.node);
  if (err instanceof PreconditionFailedError && headers.etag !== undefined) err.etag = headers.etag;
  if (err instanceof QuorumNotMetError && headers.acks !== undefined) {
    const [acks, n] = headers.acks.split('/').map(Number);
    err.acks = acks;
    err.n = n;
  }
  return err;
}
