import { Inject, Injectable, type INestApplication, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { CommittedDocument } from './committed-document.js';
import { LISTENER_DOCUMENTS } from './listener-documents.js';

/**
 * Client `GET /docs` and its `/docs/*` assets (docs/api.md §1.14): Swagger UI over the served document.
 * They are plain Fastify routes, outside Nest's router, so the scope guard never sees them (public)
 * and they are not operations of the document. Registered during init, before Fastify is ready.
 */
@Injectable()
export class DocsExplorer implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(CommittedDocument) private readonly doc: CommittedDocument,
  ) {}

  onModuleInit(): void {
    // For Fastify, SwaggerModule.setup only needs the app's HTTP adapter; a provider cannot reach the app itself.
    const app = { getHttpAdapter: () => this.host.httpAdapter } as unknown as INestApplication;
    SwaggerModule.setup('docs', app, () => this.doc.object() as unknown as OpenAPIObject, {
      raw: false,
      customSiteTitle: LISTENER_DOCUMENTS.client.title,
    });
  }
}
