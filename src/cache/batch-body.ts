import { ArrayMaxSize, IsArray, IsOptional } from '../config/class-validator.js';
import { dtoValidation } from '../common/dto-validation.pipe.js';
import { CacheError } from '../core/errors.js';

/** At most this many elements per batch request (docs/api.md §1.11). */
export const MAX_BATCH_ITEMS = 1000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `POST /v1/cache/batch/get` and `/delete`: `{keys}`; `null` or absent counts as empty (docs/api.md §1.11). */
export class BatchKeysBody {
  @IsOptional()
  @ArrayMaxSize(MAX_BATCH_ITEMS, { message: `batch exceeds ${MAX_BATCH_ITEMS} items` })
  @IsArray({ message: 'invalid JSON body: "keys" must be an array' })
  keys?: unknown[] | null;
}

/** `POST /v1/cache/batch/put`: `{items}`; each item is checked on its own (a bad item never fails the batch). */
export class BatchItemsBody {
  @IsOptional()
  @ArrayMaxSize(MAX_BATCH_ITEMS, { message: `batch exceeds ${MAX_BATCH_ITEMS} items` })
  @IsArray({ message: 'invalid JSON body: "items" must be an array' })
  items?: unknown[] | null;
}

/**
 * The element list of a batch body: strict JSON whatever the Content-Type (valid UTF-8, an object at
 * the top level), then the DTO through the shared ValidationPipe (unknown fields ignored). Details never quote the body,
 * which may hold values.
 */
export async function parseBatchBody(body: Buffer, field: 'keys' | 'items'): Promise<unknown[]> {
  const doc = parseJsonObject(body);
  const metatype = field === 'keys' ? BatchKeysBody : BatchItemsBody;
  const list = doc[field];
  // The DTO checks the list's type and length; its elements are checked one by one afterwards. It
  // gets a list of the same length holding zeros (not holes: class-transformer drops holes), so it
  // does not copy up to 1000 values (and their strings) per request.
  await dtoValidation.transform({ [field]: Array.isArray(list) ? new Array<unknown>(list.length).fill(0) : list }, { type: 'body', metatype });
  return (list as unknown[] | null | undefined) ?? [];
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw invalidJson('not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message);
    throw invalidJson(at ? `syntax error at position ${at[1]}` : 'syntax error');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidJson('top level must be an object');
  return doc as Record<string, unknown>;
}

function invalidJson(detail: string): CacheError {
  return new CacheError('BAD_REQUEST', `invalid JSON body: ${detail}`);
}
