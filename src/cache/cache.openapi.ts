import { applyDecorators } from '@nestjs/common';
import type { SchemaObject } from '@nestjs/swagger';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '../common/api-docs.js';
import { ApiErrors } from '../openapi/api-errors.decorator.js';

/**
 * OpenAPI declarations of the client API routes (docs/api.md §1, docs/openapi-conventions.md §1), composed per route so that
 * the controllers show only the HTTP mapping. The document builder adds 401/403 and X-Cache-Node.
 */
const str: SchemaObject = { type: 'string' };
const int: SchemaObject = { type: 'integer' };
const bool: SchemaObject = { type: 'boolean' };
const strings: SchemaObject = { type: 'array', items: str };
const dateTime: SchemaObject = { type: 'string', format: 'date-time' };

function json(status: number, description: string, schema: SchemaObject) {
  return ApiResponse({ status, description, content: { 'application/json': { schema } } });
}

const keyParam = ApiParam({ name: 'key', description: 'Percent-encoded key, 1–1024 bytes of UTF-8 once decoded', schema: str });
const consistencyHeader = ApiHeader({ name: 'X-Consistency', required: false, schema: { type: 'string', enum: ['one', 'quorum', 'all'] } });
const ifMatchHeader = ApiHeader({ name: 'If-Match', required: false, description: '`*` or a list of strong ETags', schema: str });
const ifNoneMatchGet = ApiHeader({ name: 'If-None-Match', required: false, description: '`*` or a list of ETags; a match gives 304', schema: str });

const metadataHeaders = {
  ETag: { schema: str },
  'X-Cache-Version': { schema: str },
  'X-Cache-Origin': { schema: str },
  'X-Cache-Last-Updated': { schema: str },
  'X-Cache-Ttl-Ms': { schema: str, description: 'only when the key has an expiry' },
  'X-Cache-Expires-At': { schema: str, description: 'only when the key has an expiry' },
  'X-Cache-Owners': { schema: str },
};

const PUT_RESPONSE: SchemaObject = {
  type: 'object',
  required: ['key', 'stored', 'bytes', 'version', 'node', 'owners'],
  properties: { key: str, stored: bool, ttl_ms: int, expires_at: dateTime, bytes: int, version: int, node: str, owners: strings },
};

const DELETE_RESPONSE: SchemaObject = {
  type: 'object',
  required: ['key', 'deleted', 'version', 'node', 'owners'],
  properties: { key: str, deleted: bool, version: int, node: str, owners: strings },
};

const ITEM_ENVELOPE: SchemaObject = {
  type: 'object',
  required: ['key', 'value', 'value_encoding', 'version', 'origin', 'last_updated', 'node', 'owners'],
  properties: {
    key: str, value: { type: 'string', format: 'byte' }, value_encoding: { type: 'string', enum: ['base64'] }, ttl_ms: int,
    expires_at: dateTime, version: int, origin: str, last_updated: dateTime, node: str, owners: strings,
  },
};

export const ApiPutKey = () =>
  applyDecorators(
    ApiTags('cache'),
    ApiOperation({ summary: 'Store a value (raw bytes, any content type)' }),
    keyParam,
    ApiQuery({ name: 'ttl', required: false, description: 'Go duration, 1ms–87600h; absent/0 = no expiry', schema: str }),
    consistencyHeader,
    ifMatchHeader,
    ApiHeader({ name: 'If-None-Match', required: false, description: 'only `*` (create if absent)', schema: str }),
    ApiConsumes('application/octet-stream'),
    ApiBody({ schema: { type: 'string', format: 'binary' } }),
    ApiResponse({
      status: 200,
      description: 'Stored',
      headers: { ETag: { schema: str }, 'X-Cache-Acks': { schema: str } },
      content: { 'application/json': { schema: PUT_RESPONSE } },
    }),
    ApiErrors(400, 412, 413, 500, 503),
  );

export const ApiGetKey = () =>
  applyDecorators(
    ApiTags('cache'),
    ApiOperation({ summary: 'Fetch a value: raw bytes, or the JSON envelope with Accept: application/json' }),
    keyParam,
    consistencyHeader,
    ifNoneMatchGet,
    ApiProduces('application/octet-stream', 'application/json'),
    ApiResponse({
      status: 200,
      description: 'The value',
      headers: metadataHeaders,
      content: {
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
        'application/json': { schema: ITEM_ENVELOPE },
      },
    }),
    ApiResponse({ status: 304, description: 'If-None-Match matched', headers: metadataHeaders }),
    ApiErrors(400, 404, 500, 503),
  );

export const ApiHeadKey = () =>
  applyDecorators(
    ApiTags('cache'),
    ApiOperation({ summary: 'Metadata of a value, no body' }),
    keyParam,
    consistencyHeader,
    ifNoneMatchGet,
    ApiResponse({ status: 200, description: 'Found', headers: metadataHeaders }),
    ApiResponse({ status: 304, description: 'If-None-Match matched', headers: metadataHeaders }),
    ApiErrors(400, 404, 500, 503, { bodyless: true }),
  );

export const ApiDeleteKey = () =>
  applyDecorators(
    ApiTags('cache'),
    ApiOperation({ summary: 'Delete a key (writes a tombstone; idempotent)' }),
    keyParam,
    consistencyHeader,
    ifMatchHeader,
    ApiResponse({
      status: 200,
      description: 'Deleted',
      headers: { 'X-Cache-Acks': { schema: str } },
      content: { 'application/json': { schema: DELETE_RESPONSE } },
    }),
    ApiErrors(400, 412, 500, 503),
  );

const LIST_KEYS_RESPONSE: SchemaObject = {
  type: 'object',
  required: ['keys', 'next_cursor', 'total_matched', 'truncated', 'node'],
  properties: { keys: strings, next_cursor: str, total_matched: int, truncated: bool, node: str, partial_nodes: strings },
};

export const ApiListKeys = () =>
  applyDecorators(
    ApiTags('keys'),
    ApiOperation({ summary: 'Cluster-wide key browser (glob or literal prefix)' }),
    ApiQuery({ name: 'q', required: false, description: 'glob (`*`, `?`, `[…]`, `\\`) or literal prefix, ≤ 1024 bytes', schema: str }),
    ApiQuery({ name: 'cursor', required: false, schema: { type: 'integer', minimum: 0, default: 0 } }),
    ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, default: 100, description: 'clamped to 500' } }),
    ApiQuery({ name: 'max', required: false, schema: { type: 'integer', minimum: 1, default: 10000, description: 'clamped to 50000' } }),
    json(200, 'One page of matching keys', LIST_KEYS_RESPONSE),
    ApiErrors(400, 500),
  );

const keysBody: SchemaObject = { type: 'object', properties: { keys: { type: ['array', 'null'], items: str, maxItems: 1000 } } };
const failure = { error: str, code: str };

/** `{results: [result], node}`: one result per request element, in request order. */
const batchResponse = (required: string[], properties: Record<string, SchemaObject>): SchemaObject => ({
  type: 'object',
  required: ['results', 'node'],
  properties: {
    results: { type: 'array', items: { type: 'object', required, properties: { ...properties, ...failure } } },
    node: str,
  },
});

const BATCH_GET_RESPONSE = batchResponse(['key', 'found'], {
  key: str, found: bool, value: { type: 'string', format: 'byte' }, value_encoding: { type: 'string', enum: ['base64'] },
  ttl_ms: int, expires_at: dateTime, version: int, origin: str, last_updated: dateTime, owners: strings,
});

const writeResult = (flag: 'stored' | 'deleted', extra: Record<string, SchemaObject> = {}): SchemaObject =>
  batchResponse(['key', flag], { key: str, [flag]: bool, ...extra, version: int, acks: int, owners: strings });

const batchRoute = (summary: string, body: SchemaObject, response: SchemaObject) =>
  applyDecorators(
    ApiTags('batch'),
    ApiOperation({ summary }),
    consistencyHeader,
    ApiBody({ schema: body }),
    json(200, 'One result per request element, in request order', response),
    ApiErrors(400, 413, 500),
  );

export const ApiBatchGet = () => batchRoute('Fetch several keys', keysBody, BATCH_GET_RESPONSE);
export const ApiBatchDelete = () => batchRoute('Delete several keys', keysBody, writeResult('deleted'));
export const ApiBatchPut = () =>
  batchRoute(
    'Store several values (UTF-8 or base64)',
    {
      type: 'object',
      properties: {
        items: {
          type: ['array', 'null'],
          maxItems: 1000,
          items: {
            type: 'object',
            required: ['key', 'value'],
            properties: {
              key: str,
              value: str,
              value_encoding: { type: 'string', enum: ['utf8', 'base64'], default: 'utf8' },
              ttl_ms: { type: 'integer', minimum: 0, maximum: 315_360_000_000 },
            },
          },
        },
      },
    },
    writeResult('stored', { bytes: int }),
  );

export const ApiOwners = () =>
  applyDecorators(
    ApiTags('cluster'),
    ApiOperation({ summary: 'Owners of a key on this node’s ring (primary first)' }),
    keyParam,
    json(200, 'Owners', { type: 'object', required: ['key', 'owners', 'node'], properties: { key: str, owners: strings, node: str } }),
    ApiErrors(400),
  );

export const ApiMe = () =>
  applyDecorators(
    ApiTags('identity'),
    ApiOperation({ summary: 'The caller’s identity, scopes and capabilities' }),
    json(200, 'Identity', {
      type: 'object',
      required: ['id', 'scopes', 'capabilities'],
      properties: { id: str, scopes: strings, capabilities: strings },
    }),
  );

export const ApiMeCan = () =>
  applyDecorators(
    ApiTags('identity'),
    ApiOperation({ summary: 'Whether the caller has a capability' }),
    ApiQuery({ name: 'capability', required: true, schema: { type: 'string', enum: ['cache.read', 'cache.write', 'cache.admin'] } }),
    json(200, 'Answer', { type: 'object', required: ['capability', 'allowed'], properties: { capability: str, allowed: bool } }),
    ApiErrors(400),
  );
