import type { ListenerName } from '../auth/scope.guard.js';
import { LISTENER_DOCUMENTS } from './listener-documents.js';
import { type OpenApiDocument, operations } from './openapi-json.js';

const ERROR_REF = { $ref: '#/components/schemas/ErrorResponse' };

/** @nestjs/swagger's types predate OpenAPI 3.1's `mutualTLS` scheme, so it is declared here. */
export function addMutualTlsScheme(doc: OpenApiDocument, listener: ListenerName): void {
  if (!LISTENER_DOCUMENTS[listener].mutualTls) return;
  const components = (doc.components ??= {});
  components.securitySchemes = {
    ...components.securitySchemes,
    mutualTLS: {
      type: 'mutualTLS',
      description:
        listener === 'dist'
          ? 'A client certificate chaining to `HYPERCACHE_DIST_TLS_CA` and, with `HYPERCACHE_DIST_TLS_ALLOWED_NAMES`, carrying one of those names (else 401 on every request)'
          : 'A client certificate verified against `HYPERCACHE_API_TLS_CLIENT_CA` whose CN is a configured identity',
    },
  };
}

/**
 * One error envelope per document: any inline `{error, code}` object schema on an error response
 * becomes a reference to `ErrorResponse`, and every 401 names its `WWW-Authenticate` header.
 */
export function shareErrorEnvelope(doc: OpenApiDocument): void {
  let challenged = false;
  for (const { op } of operations(doc)) {
    for (const [status, response] of Object.entries(op.responses ?? {})) {
      if (Number(status) < 400) continue;
      const media = response.content?.['application/json'] as { schema?: Record<string, unknown> } | undefined;
      if (media?.schema && isEnvelopeShape(media.schema)) media.schema = ERROR_REF;
      if (status === '401') {
        response.headers = { ...response.headers, 'WWW-Authenticate': { $ref: '#/components/headers/WWW-Authenticate' } };
        challenged = true;
      }
    }
  }
  if (challenged) {
    const components = (doc.components ??= {});
    components.headers = {
      ...components.headers,
      'WWW-Authenticate': { description: 'Always `Bearer` on 401', schema: { type: 'string', const: 'Bearer' } },
    };
  }
}

function isEnvelopeShape(schema: Record<string, unknown>): boolean {
  const props = schema.properties as Record<string, unknown> | undefined;
  return schema.type === 'object' && props !== undefined && Object.keys(props).sort().join(',') === 'code,error';
}

/** `X-Cache-Node` is on every client API response (docs/api.md §1.2). */
export function addNodeHeader(doc: OpenApiDocument, listener: ListenerName): void {
  if (listener !== 'client') return;
  const components = (doc.components ??= {});
  components.headers = {
    ...components.headers,
    'X-Cache-Node': { description: 'ID of the node that answered (the entry node)', schema: { type: 'string' } },
  };
  for (const { op } of operations(doc)) {
    for (const response of Object.values(op.responses ?? {})) {
      response.headers = { ...response.headers, 'X-Cache-Node': { $ref: '#/components/headers/X-Cache-Node' } };
    }
  }
}

/** Top-level tags: the ones operations use, in the listener's display order, with descriptions. */
export function declareTags(doc: OpenApiDocument, listener: ListenerName): void {
  const used = new Set(operations(doc).flatMap(({ op }) => op.tags ?? []));
  const known = LISTENER_DOCUMENTS[listener].tags.filter(([name]) => used.has(name));
  const unknown = [...used].filter((name) => !known.some(([k]) => k === name)).sort();
  const tags = [...known.map(([name, description]) => ({ name, description })), ...unknown.map((name) => ({ name }))];
  if (tags.length > 0) doc.tags = tags;
  else delete doc.tags;
}
