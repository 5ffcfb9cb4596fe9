import { type ArgumentsHost, Catch, type ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '../bootstrap/core-bridge.module.js';
import { sendError, toEnvelope } from './error-envelope.js';

/** One filter per app: every exception leaves as the contract's `{error, code}` envelope. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, error, unexpected } = toEnvelope(exception);
    if (unexpected) this.logger.error({ err: exception }, 'unhandled request error');
    if (reply.sent) return;
    sendError(reply, status, body, error);
  }
}
