import { ApiProperty } from '../common/api-docs.js';
import { STATUS_OF } from '../core/errors.js';

/** The error envelope of every listener (docs/api.md §1.2, §1.15), as the shared `ErrorResponse` schema. */
export class ErrorResponse {
  @ApiProperty({ description: 'Human-readable message; never contains values, secrets or stack traces', example: 'key not found' })
  error: string;

  @ApiProperty({ description: 'Stable machine-readable code', enum: Object.keys(STATUS_OF), example: 'NOT_FOUND' })
  code: string;
}
