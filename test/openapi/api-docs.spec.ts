import 'reflect-metadata';
import * as swagger from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import * as recorded from '../../src/common/api-docs.js';

/** Every metadata key and value on a class, its prototype's methods and its properties. */
function metadataOf(cls: new () => object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Reflect.getOwnMetadataKeys(cls)) out[`class ${String(key)}`] = Reflect.getOwnMetadata(key, cls);
  const proto = cls.prototype as Record<string, unknown>;
  for (const key of Reflect.getOwnMetadataKeys(proto)) out[`prototype ${String(key)}`] = Reflect.getOwnMetadata(key, proto);
  for (const name of Object.getOwnPropertyNames(proto)) {
    const value = proto[name];
    if (name === 'constructor' || typeof value !== 'function') continue;
    for (const key of Reflect.getOwnMetadataKeys(value)) out[`${name}() ${String(key)}`] = Reflect.getOwnMetadata(key, value);
  }
  for (const prop of ['error', 'code']) {
    for (const key of Reflect.getOwnMetadataKeys(proto, prop)) out[`${prop} ${String(key)}`] = Reflect.getOwnMetadata(key, proto, prop);
  }
  return out;
}

/** The same declarations, with the decorators of `api` (class decorators, stacked method decorators, property decorators). */
function declare(api: typeof swagger) {
  class Body {
    @api.ApiProperty({ description: 'message', example: 'key not found' })
    error!: string;

    @api.ApiProperty({ description: 'code', enum: ['A', 'B'] })
    code!: string;
  }

  @api.ApiTags('cache')
  @api.ApiBearerAuth('bearer')
  @api.ApiResponse({ status: 500, description: 'Unexpected error', type: Body })
  class Controller {
    @api.ApiOperation({ summary: 'Read a value' })
    @api.ApiOkResponse({ description: 'The value' })
    @api.ApiResponse({ status: 404, description: 'Not found', type: Body })
    @api.ApiResponse({ status: 400, description: 'Bad request', type: Body })
    @api.ApiParam({ name: 'key', schema: { type: 'string' } })
    @api.ApiQuery({ name: 'consistency', required: false, schema: { type: 'string', enum: ['ONE', 'QUORUM'] } })
    @api.ApiHeader({ name: 'If-Match', required: false })
    @api.ApiProduces('application/octet-stream')
    @api.ApiExtension('x-required-scope', 'cache:read')
    get(): void {}

    @api.ApiOperation({ summary: 'Write a value' })
    @api.ApiConsumes('application/octet-stream')
    @api.ApiBody({ schema: { type: 'string', format: 'binary' } })
    @api.ApiAcceptedResponse({ description: 'Accepted' })
    put(): void {}
  }
  return { Body, Controller };
}

describe('recorded @Api* decorators (src/common/api-docs.ts)', () => {
  it('leave no OpenAPI metadata until applied', () => {
    const { Body, Controller } = declare(recorded as unknown as typeof swagger);
    expect(Object.keys(metadataOf(Controller)).filter((k) => k.includes('swagger'))).toEqual([]);
    expect(Object.keys(metadataOf(Body)).filter((k) => k.includes('swagger'))).toEqual([]);
    recorded.applyRecordedApiDocs(swagger);
  });

  it('once applied, give the same metadata as @nestjs/swagger decorators applied directly', () => {
    const direct = declare(swagger);
    const replayed = declare(recorded as unknown as typeof swagger);
    recorded.applyRecordedApiDocs(swagger);
    const expected = metadataOf(direct.Controller);
    expect(Object.keys(expected).filter((k) => k.includes('swagger')).length).toBeGreaterThan(8);
    // Body types are each declaration's own class: compare them by name.
    const normalize = (m: Record<string, unknown>) => JSON.parse(JSON.stringify(m, (_k, v: unknown) => (typeof v === 'function' ? `class ${v.name}` : v))) as unknown;
    expect(normalize(metadataOf(replayed.Controller))).toEqual(normalize(expected));
    expect(normalize(metadataOf(replayed.Body))).toEqual(normalize(metadataOf(direct.Body)));
    // Applied once: a second call changes nothing.
    recorded.applyRecordedApiDocs(swagger);
    expect(normalize(metadataOf(replayed.Controller))).toEqual(normalize(expected));
  });
});
