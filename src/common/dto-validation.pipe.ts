import { ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import type { ValidationError } from 'class-validator';
import { CacheError } from '../core/errors.js';

/**
 * The pipes request DTOs go through (class-validator, class-transformer as its transformer): the
 * first failed constraint becomes the 400 `{error, code}` envelope with the DTO's own message
 * (docs/api.md §1.15). `forbidUnknown`: a property the DTO does not declare is a 400 too (query
 * strings); otherwise it is stripped, i.e. ignored (batch bodies, whose unknown fields the API
 * ignores, docs/api.md §1.11).
 */
function dtoPipe(forbidUnknown: boolean): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: forbidUnknown,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new CacheError('BAD_REQUEST', firstMessage(errors)),
  });
}

export const dtoValidation = dtoPipe(true);
export const bodyValidation = dtoPipe(false);

/** A declared property's failure wins over an undeclared property (class-validator lists those first). */
function firstMessage(errors: ValidationError[]): string {
  const declared = errors.find((e) => e.constraints && !e.constraints.whitelistValidation);
  if (declared) return Object.values(declared.constraints!)[0]!;
  const unknown = errors[0];
  return unknown ? `unknown parameter '${unknown.property}'` : 'bad request';
}

/** A query parameter sent more than once counts by its first value; a non-string is absent. */
export const FirstValue = () =>
  Transform(({ value }: { value: unknown }) => {
    const v = Array.isArray(value) ? (value as unknown[])[0] : value;
    return typeof v === 'string' ? v : undefined;
  });
