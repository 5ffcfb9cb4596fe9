import { IsIn, IsNotEmpty } from '../config/class-validator.js';
import { FirstValue } from './key-param.js';

export const KNOWN_CAPABILITIES = ['cache.read', 'cache.write', 'cache.admin'];

/** `GET /v1/me/can?capability=` (docs/api.md, GET /v1/me/can). */
export class MeCanQuery {
  // class-validator runs a property's constraints bottom-up: presence first.
  @FirstValue()
  @IsIn(KNOWN_CAPABILITIES, { message: ({ value }) => `unknown capability '${String(value)}'` })
  @IsNotEmpty({ message: "missing 'capability' query parameter" })
  capability!: string;
}
