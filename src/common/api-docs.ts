import type * as Swagger from '@nestjs/swagger';

/**
 * The @nestjs/swagger decorators controllers and DTOs declare their OpenAPI with, recorded where
 * they are applied and applied to the same targets, in the same order, only when a document is
 * built (openapi/build-document.ts: `npm run openapi`, the drift test). @nestjs/swagger's decorator modules
 * import the index of es-toolkit/compat (431 ES modules), which a serving node never needs: it
 * serves the committed documents (docs/openapi-conventions.md §1), so it loads neither
 * (bench/PROFILE.md "Issue 18: idle RSS, second pass"). Import these instead of '@nestjs/swagger'
 * in controllers (types may still come from there: `import type` loads nothing).
 */
type Name =
  | 'ApiAcceptedResponse'
  | 'ApiBearerAuth'
  | 'ApiBody'
  | 'ApiConsumes'
  | 'ApiExtension'
  | 'ApiHeader'
  | 'ApiOkResponse'
  | 'ApiOperation'
  | 'ApiParam'
  | 'ApiProduces'
  | 'ApiProperty'
  | 'ApiQuery'
  | 'ApiResponse'
  | 'ApiTags';

type Decorate = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => unknown;

interface Applied {
  name: Name;
  args: unknown[];
  target: object;
  key: string | symbol | undefined;
  descriptor: PropertyDescriptor | undefined;
}

const applied: Applied[] = [];

function recorded<N extends Name>(name: N): (typeof Swagger)[N] {
  const factory = (...args: unknown[]): Decorate => (target, key, descriptor) => {
    applied.push({ name, args, target, key, descriptor });
    return undefined; // the target and the descriptor stay as they are (@nestjs/swagger's return them unchanged)
  };
  return factory as unknown as (typeof Swagger)[N];
}

export const ApiAcceptedResponse = recorded('ApiAcceptedResponse');
export const ApiBearerAuth = recorded('ApiBearerAuth');
export const ApiBody = recorded('ApiBody');
export const ApiConsumes = recorded('ApiConsumes');
export const ApiExtension = recorded('ApiExtension');
export const ApiHeader = recorded('ApiHeader');
export const ApiOkResponse = recorded('ApiOkResponse');
export const ApiOperation = recorded('ApiOperation');
export const ApiParam = recorded('ApiParam');
export const ApiProduces = recorded('ApiProduces');
export const ApiProperty = recorded('ApiProperty');
export const ApiQuery = recorded('ApiQuery');
export const ApiResponse = recorded('ApiResponse');
export const ApiTags = recorded('ApiTags');

/** Applies @nestjs/swagger's own decorators for everything recorded since the last call (once each). */
export function applyRecordedApiDocs(swagger: typeof Swagger): void {
  for (const { name, args, target, key, descriptor } of applied.splice(0)) {
    const decorator = (swagger[name] as (...a: unknown[]) => Decorate)(...args);
    decorator(target, key, descriptor);
  }
}
