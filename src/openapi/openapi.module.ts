import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import type { ListenerName } from '../auth/scope.guard.js';
import { CommittedDocument, OPENAPI_LISTENER } from './committed-document.js';
import { DocsExplorer } from './docs-explorer.js';
import { ClientOpenApiController, ManagementOpenApiController } from './openapi-yaml.controllers.js';
import { RouteRecorder } from './route-recorder.js';

/**
 * OpenAPI feature of one listener (docs/openapi-conventions.md §1): client serves `/v1/openapi.yaml` and `/docs`,
 * management serves `/openapi.yaml`, dist serves nothing. Every listener records its route table.
 */
@Module({})
export class OpenApiModule {
  static forListener(listener: ListenerName): DynamicModule {
    const controllers: Type<unknown>[] = [];
    const providers: Provider[] = [RouteRecorder];
    if (listener !== 'dist') providers.push({ provide: OPENAPI_LISTENER, useValue: listener }, CommittedDocument);
    if (listener === 'client') {
      controllers.push(ClientOpenApiController);
      providers.push(DocsExplorer);
    }
    if (listener === 'management') controllers.push(ManagementOpenApiController);
    return { module: OpenApiModule, controllers, providers, exports: [RouteRecorder] };
  }
}
