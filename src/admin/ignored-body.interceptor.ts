import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { readBody } from '../common/raw-body.js';
import { CacheError } from '../core/errors.js';

/**
 * Management POSTs take no body (docs/api.md §2): a body sent is read and dropped, up to the
 * listener's limit (64 KiB); more is 413. Interceptors run after the guard, so 401/403 come first.
 */
@Injectable()
export class IgnoredBodyInterceptor implements NestInterceptor {
  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const limit = req.routeOptions.bodyLimit;
    await readBody(req, limit, () => new CacheError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`));
    return next.handle();
  }
}
