import { HTTP_METHODS, type OpenApiDocument } from './openapi-json.js';

const TOP_LEVEL_ORDER = ['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'webhooks', 'components'];
const OPERATION_ORDER = ['operationId', 'summary', 'description', 'tags', 'security', 'x-required-scope', 'parameters', 'requestBody', 'responses'];
const RESPONSE_ORDER = ['description', 'headers', 'content'];

/**
 * Makes the document byte-stable whatever order Nest discovered modules and controllers in:
 * top-level, operation and response keys in a fixed order, paths sorted, methods in HTTP_METHODS
 * order, responses by status, components by name. Schemas keep the decorators' order (deterministic already).
 */
export function normalizeDocument(doc: OpenApiDocument): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const path of Object.keys(doc.paths).sort()) {
    const item = doc.paths[path]!;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).filter((k) => !(HTTP_METHODS as readonly string[]).includes(k)).sort()) sorted[key] = item[key];
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      if (op.responses) op.responses = sortKeys(op.responses, (r) => orderKeys(r, RESPONSE_ORDER));
      sorted[method] = orderKeys(op, OPERATION_ORDER);
    }
    paths[path] = sorted as OpenApiDocument['paths'][string];
  }
  const components: Record<string, Record<string, unknown>> = {};
  for (const section of Object.keys(doc.components ?? {}).sort()) {
    const entries = doc.components![section]!;
    if (Object.keys(entries).length > 0) components[section] = sortKeys(entries);
  }
  return orderKeys({ ...doc, paths, components }, TOP_LEVEL_ORDER);
}

/** Keys named in `order` first, in that order, then the rest alphabetically. */
function orderKeys<T extends object>(obj: T, order: string[]): T {
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const keys = Object.keys(obj).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, (obj as Record<string, unknown>)[k]])) as T;
}

function sortKeys<T>(obj: Record<string, T>, map: (value: T) => T = (v) => v): Record<string, T> {
  return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, map(obj[k]!)]));
}
