import { SECRET_VARS, type EnvVar } from './env.schema.js';

/**
 * A fatal boot error (docs/configuration.md §4). `message` is the text after `hypercache-server: fatal: `;
 * it names the variable or file and never holds a secret.
 */
export class FatalConfigError extends Error {
  override readonly name = 'FatalConfigError';

  /** `<VAR>: invalid value "<value>": <expected>`, with `<redacted>` in place of a secret value. */
  static invalidValue(variable: EnvVar, value: string | undefined, expected: string): FatalConfigError {
    const shown = SECRET_VARS.has(variable) ? '<redacted>' : JSON.stringify(value ?? '');
    return new FatalConfigError(`${variable}: invalid value ${shown}: ${expected}`);
  }
}
