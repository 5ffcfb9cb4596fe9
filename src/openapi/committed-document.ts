import { Inject, Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { LOGGER } from '../seams/tokens.js';
import type { ListenerName } from '../auth/scope.guard.js';
import { CacheError } from '../core/errors.js';
import { documentFile, yamlLib } from './document-yaml.js';

export const OPENAPI_LISTENER = Symbol('OPENAPI_LISTENER');

/**
 * The listener's committed document (`openapi/<listener>.yaml`), read once at boot and served
 * byte for byte; the drift test proves the file matches the code. A missing file (a packaging
 * mistake, or the very first `npm run openapi`) is logged and answered with 500.
 */
@Injectable()
export class CommittedDocument {
  private readonly text: string | undefined;

  constructor(@Inject(OPENAPI_LISTENER) listener: ListenerName, @Inject(LOGGER) logger: Logger) {
    const file = documentFile(listener);
    try {
      this.text = readFileSync(file, 'utf8');
    } catch (err) {
      logger.error({ err, file: file.pathname }, 'OpenAPI document missing; run npm run openapi');
    }
  }

  yaml(): string {
    if (this.text === undefined) throw new CacheError('INTERNAL', 'internal error');
    return this.text;
  }

  /** Parsed, for the explorer. */
  object(): Record<string, unknown> {
    return yamlLib().parse(this.yaml()) as Record<string, unknown>;
  }
}
