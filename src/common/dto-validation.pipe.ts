import { ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { CacheError } from '../core/errors.js';
import { validatorPackage } from '../config/class-validator.js';

/**
 * The pipe request DTOs go through (class-validator; class-transformer builds the DTO instance): the
 * first failed constraint becomes the 400 `{error, code}` envelope with the DTO's own message
 * (docs/api.md §1.15). `whitelist`: a property the DTO does not declare is stripped, i.e. ignored,
 * as the API has always ignored unknown query parameters and body fields (docs/api.md §1.11–§1.13).
 * `forbidNonWhitelisted` is deliberately off: it would turn those into 400s. class-validator is given
 * as `validatorPackage` (config/class-validator.ts) so that the pipe does not load the package index.
 */
export const dtoValidation = new ValidationPipe({
  validatorPackage,
  whitelist: true,
  transform: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => new CacheError('BAD_REQUEST', firstMessage(errors)),
});

function firstMessage(errors: ValidationError[]): string {
  const constraints = errors.find((e) => e.constraints)?.constraints;
  return constraints ? Object.values(constraints)[0]! : 'bad request';
}
