import { ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import type { ValidationError } from 'class-validator';
import { CacheError } from '../core/errors.js';

/**
 * The pipe every request DTO goes through (class-validator, class-transformer as its transformer):
 * properties the DTO does not declare are refused, and the first failed constraint becomes the
 * 400 `{error, code}` envelope with the DTO's own message (docs/api.md, error codes).
 */
export const dtoValidation = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => new CacheError('BAD_REQUEST', firstMessage(errors)),
});

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
