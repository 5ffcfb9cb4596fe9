import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '../common/api-docs.js';
import { ErrorResponse } from './error-response.dto.js';

/** Default wording per status (docs/api.md §1.15); a controller's own @ApiResponse for a status wins. */
const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (`BAD_REQUEST`)',
  401: 'No identity resolved (`UNAUTHORIZED`); carries `WWW-Authenticate: Bearer`',
  403: 'The identity lacks the required scope (`FORBIDDEN`)',
  404: 'Not found (`NOT_FOUND`)',
  412: 'If-Match / If-None-Match not satisfied (`PRECONDITION_FAILED`); carries the current `ETag` when the key exists',
  413: 'Body or decoded value over its limit (`PAYLOAD_TOO_LARGE`)',
  500: 'Unexpected error (`INTERNAL`); details only in the logs',
  503: 'Node draining (`DRAINING`), too few acks or owner responses (`QUORUM_NOT_MET`), or no owner reachable (`UNAVAILABLE`)',
};

export interface ApiErrorsOptions {
  /** HEAD routes: the statuses are documented without a body. */
  bodyless?: boolean;
}

/**
 * Documents error statuses with the shared `ErrorResponse` envelope, e.g. `@ApiErrors(400, 404, 500, 503)`.
 * 401 and 403 are added by the document builder to every scoped route, so controllers omit them.
 */
export function ApiErrors(...args: Array<number | ApiErrorsOptions>): MethodDecorator & ClassDecorator {
  const opts = args.find((a): a is ApiErrorsOptions => typeof a === 'object') ?? {};
  const statuses = args.filter((a): a is number => typeof a === 'number');
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? `Error (${status})`, ...(opts.bodyless ? {} : { type: ErrorResponse }) }),
    ),
  );
}

export function errorDescription(status: number): string {
  return DESCRIPTIONS[status] ?? `Error (${status})`;
}
