import type { ListenerName } from '../auth/scope.guard.js';
import { errorDescription } from './api-errors.decorator.js';
import type { OpenApiDocument, OperationObject } from './openapi-json.js';
import { operations } from './openapi-json.js';
import type { RoutePolicy } from './route-policy.js';

const ERROR_CONTENT = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } };

/**
 * Writes each operation's auth from the same metadata the guard reads, so the document cannot
 * disagree with enforcement: public → `security: []`; scoped → the listener's schemes,
 * `x-required-scope`, 401 and 403. Dist operations all take peer credentials and have no scopes.
 * A client/management route with neither decorator is refused (the guard would 403 it).
 */
export function applyRouteSecurity(
  doc: OpenApiDocument,
  listener: ListenerName,
  policyOf: (operationId: string) => RoutePolicy | undefined,
): void {
  const schemes: Array<Record<string, string[]>> = listener === 'management' ? [{ bearer: [] }] : [{ bearer: [] }, { mutualTLS: [] }];
  for (const { method, path, op } of operations(doc)) {
    delete op['x-required-scope'];
    if (listener === 'dist') {
      op.security = schemes;
      addError(op, 401, 'Bad or missing peer credentials (`UNAUTHORIZED`); carries `WWW-Authenticate: Bearer`', true);
      continue;
    }
    const policy = policyOf(op.operationId);
    if (!policy) throw new Error(`${method.toUpperCase()} ${path}: no route metadata found for ${op.operationId}`);
    if (policy.public) {
      op.security = [];
      continue;
    }
    if (!policy.scope) throw new Error(`${method.toUpperCase()} ${path}: route carries neither @Public() nor @RequireScope()`);
    op.security = schemes;
    op['x-required-scope'] = policy.scope;
    const bodyless = method === 'head';
    addError(op, 401, errorDescription(401), !bodyless);
    addError(op, 403, `The identity lacks scope \`${policy.scope}\` (\`FORBIDDEN\`)`, !bodyless);
  }
}

function addError(op: OperationObject, status: number, description: string, withBody: boolean): void {
  op.responses ??= {};
  const key = String(status);
  if (op.responses[key]) return;
  op.responses[key] = {
    description,
    ...(withBody ? { content: ERROR_CONTENT } : {}),
  };
}
