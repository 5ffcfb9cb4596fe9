/** Domain errors with the stable codes of docs/api.md §1.15. Core code throws these, never HTTP exceptions. */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'INTERNAL'
  | 'DRAINING'
  | 'QUORUM_NOT_MET'
  | 'UNAVAILABLE';

export const STATUS_OF: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
  DRAINING: 503,
  QUORUM_NOT_MET: 503,
  UNAVAILABLE: 503,
};

/** Extra data some outcomes carry to the client (ETag on 412, X-Cache-Acks on QUORUM_NOT_MET). */
export interface CacheErrorDetails {
  /** Current version of the key (412 when the key exists; QUORUM_NOT_MET: the version written). */
  version?: number;
  acks?: number;
  n?: number;
  owners?: string[];
}

export class CacheError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: CacheErrorDetails = {},
  ) {
    super(message);
    this.name = 'CacheError';
  }

  get status(): number {
    return STATUS_OF[this.code];
  }
}

export const Errors = {
  badRequest: (msg: string) => new CacheError('BAD_REQUEST', msg),
  notFound: () => new CacheError('NOT_FOUND', 'key not found'),
  draining: () => new CacheError('DRAINING', 'node is draining; retry on another node'),
  unavailable: () => new CacheError('UNAVAILABLE', 'no owner reachable for key'),
  preconditionFailed: (version?: number) =>
    new CacheError('PRECONDITION_FAILED', 'precondition failed', version === undefined ? {} : { version }),
  tooLarge: (limit: number) => new CacheError('PAYLOAD_TOO_LARGE', `value exceeds ${limit} bytes`),
  invalidKey: () => new CacheError('BAD_REQUEST', 'invalid key: must be 1 to 1024 bytes of UTF-8'),
};
