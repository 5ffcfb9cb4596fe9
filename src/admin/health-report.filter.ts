import { type ArgumentsHost, Catch, type ExceptionFilter, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * Terminus reports a failed check by throwing 503 with the report as the body. The probes answer
 * that report as is (docs/api.md §2.1), not the error envelope the app filter would make of it.
 */
@Catch(ServiceUnavailableException)
export class HealthReportFilter implements ExceptionFilter {
  catch(exception: ServiceUnavailableException, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<FastifyReply>().status(503).send(exception.getResponse());
  }
}
