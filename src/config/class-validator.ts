import { createRequire } from 'node:module';
import type * as ClassValidator from 'class-validator';
import type { ValidatorOptions, ValidationError } from 'class-validator';

/**
 * The parts of class-validator the server uses (configuration and request DTOs), each loaded from its
 * own module of the package rather than from its index: the index loads every decorator the package
 * has, with libphonenumber-js and the whole of validator.js (≈ 1 MiB of sources, ≈ 7 MiB of an idle
 * node's RSS, bench/PROFILE.md "Issue 18: idle RSS, second pass"). These are the same modules the
 * index re-exports, and class-validator keeps its metadata in one global storage, so a decorator
 * and a validation behave as they do through the index. Import class-validator's decorators from
 * here, not from 'class-validator' (types may still come from there: `import type` loads nothing).
 */
const load = createRequire(import.meta.url);
const cv = <T>(file: string): T => load(`class-validator/cjs/${file}.js`) as T;

type Pick<K extends keyof typeof ClassValidator> = Readonly<Record<K, (typeof ClassValidator)[K]>>;

export const { IsOptional } = cv<Pick<'IsOptional'>>('decorator/common/IsOptional');
export const { ValidateBy } = cv<Pick<'ValidateBy'>>('decorator/common/ValidateBy');
export const { IsIn } = cv<Pick<'IsIn'>>('decorator/common/IsIn');
export const { IsNotEmpty } = cv<Pick<'IsNotEmpty'>>('decorator/common/IsNotEmpty');
export const { Matches } = cv<Pick<'Matches'>>('decorator/string/Matches');
export const { IsString } = cv<Pick<'IsString'>>('decorator/typechecker/IsString');
export const { IsArray } = cv<Pick<'IsArray'>>('decorator/typechecker/IsArray');
export const { ArrayMaxSize } = cv<Pick<'ArrayMaxSize'>>('decorator/array/ArrayMaxSize');

const { Validator } = cv<Pick<'Validator'>>('validation/Validator');
const { getFromContainer } = cv<Pick<'getFromContainer'>>('container');
const { getMetadataStorage } = cv<Pick<'getMetadataStorage'>>('metadata/MetadataStorage');

/** class-validator's `validateSync(object, options)`, as its index defines it. */
export function validateSync(object: object, options?: ValidatorOptions): ValidationError[] {
  return getFromContainer(Validator).validateSync(object, options);
}

/**
 * What Nest's ValidationPipe uses of class-validator (`validate`, `getMetadataStorage`), given to it
 * as its `validatorPackage` so that it does not import the package index itself.
 */
export const validatorPackage = {
  validate: (object: object, options?: ValidatorOptions): Promise<ValidationError[]> => getFromContainer(Validator).validate(object, options),
  getMetadataStorage,
};
