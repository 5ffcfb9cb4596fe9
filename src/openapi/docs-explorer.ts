import { Inject, Injectable, type INestApplication, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { CommittedDocument } from './committed-document.js';
import { LISTENER_DOCUMENTS } from './listener-documents.js';

/** Hop-by-hop headers of the explorer's answer, which the listener's own reply sets for itself. */
const NOT_COPIED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date']);

/**
 * Client `GET /docs` and its `/docs/*` assets (docs/api.md §1.14): Swagger UI over the served document.
 * They are plain Fastify routes, outside Nest's router, so the scope guard never sees them (public)
 * and they are not operations of the document. Registered during init, before Fastify is ready.
 *
 * Swagger UI itself (@nestjs/swagger's `SwaggerModule.setup`, its page, init script and static
 * assets) is built on the first request, on a Fastify instance of its own that only answers
 * injected requests: these routes hand it each request and copy its answer, and what it does not
 * find is this listener's 404. A serving node thus loads @nestjs/swagger (and the 431 modules of
 * es-toolkit it imports) only when someone opens the explorer (bench/PROFILE.md "Issue 18: idle
 * RSS, second pass").
 */
@Injectable()
export class DocsExplorer implements OnModuleInit, OnModuleDestroy {
  private explorer: Promise<FastifyInstance> | undefined;

  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(CommittedDocument) private readonly doc: CommittedDocument,
  ) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    const serve = (req: FastifyRequest, reply: FastifyReply) => this.serve(req, reply);
    fastify.get('/docs', serve);
    fastify.get('/docs/*', serve);
  }

  async onModuleDestroy(): Promise<void> {
    const explorer = this.explorer;
    this.explorer = undefined;
    if (explorer) await (await explorer).close();
  }

  private async serve(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const explorer = await (this.explorer ??= this.build());
    // Fastify answers HEAD from the GET route, body dropped, as it did when these were Swagger's own routes.
    const res = await explorer.inject({ method: 'GET', url: req.url, headers: req.headers });
    if (res.statusCode === 404) return reply.callNotFound();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !NOT_COPIED.has(name)) void reply.header(name, value);
    }
    await reply.code(res.statusCode).send(res.rawPayload);
  }

  private async build(): Promise<FastifyInstance> {
    const { SwaggerModule } = await import('@nestjs/swagger');
    const instance = Fastify();
    // For Fastify, SwaggerModule.setup only needs an HTTP adapter.
    const adapter = new FastifyAdapter(instance);
    const app = { getHttpAdapter: () => adapter } as unknown as INestApplication;
    SwaggerModule.setup('docs', app, () => this.doc.object() as unknown as OpenAPIObject, {
      raw: false,
      customSiteTitle: LISTENER_DOCUMENTS.client.title,
    });
    await instance.ready();
    return instance;
  }
}
