import type { RouteAccess } from '../auth/route-policy.js';
import type { ListenerName } from '../auth/scope.guard.js';
import { errorDescription } from './api-errors.decorator.js';
import type { OpenApiDocument, OperationObject } from './openapi-json.js';
import { operations } from './openapi-json.js';

const ERROR_CONTENT = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } };

/**
 * Writes each operation's auth from the route policy the guards enforce (src/auth/route-policy.ts),
 * so the document cannot disagree with enforcement: public → `security: []`; scoped → the
 * listener's schemes, `x-required-scope`, 401 and 403; peer (every dist operation) → the peer
 * schemes and 401, no scopes. A client/management route with neither decorator is refused (the
 * guard would 403 it).
 */
export function applyRouteSecurity(
  doc: OpenApiDocument,
  listener: ListenerName,
  accessOf: (operationId: string) => RouteAccess | undefined,
): void {
  const schemes: Array<Record<string, string[]>> = listener === 'management' ? [{ bearer: [] }] : [{ bearer: [] }, { mutualTLS: [] }];
  for (const { method, path, op } of operations(doc)) {
    delete op['x-required-scope'];
    const where = `${method.toUpperCase()} ${path}`;
    const access = accessOf(op.operationId);
    if (!access) throw new Error(`${where}: no route metadata found for ${op.operationId}`);
    switch (access.kind) {
      case 'public':
        op.security = [];
        break;
      case 'peer':
        op.security = schemes;
        addError(op, 401, 'Bad or missing peer credentials (`UNAUTHORIZED`); carries `WWW-Authenticate: Bearer`', true);
        break;
      case 'scope': {
        op.security = schemes;
        op['x-required-scope'] = access.scope;
        const bodyless = method === 'head';
        addError(op, 401, errorDescription(401), !bodyless);
        addError(op, 403, `The identity lacks scope \`${access.scope}\` (\`FORBIDDEN\`)`, !bodyless);
        break;
      }
      case 'undeclared':
        throw new Error(`${where}: route carries neither @Public() nor @RequireScope()`);
    }
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
