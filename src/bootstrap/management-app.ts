import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AdminModule } from '../admin/admin.module.js';
import { OpenApiModule } from '../openapi/openapi.module.js';
import type { Core } from './core.js';
import { createApp } from './create-app.js';

/** Management request bodies are limited to 64 KiB (docs/api.md §2). */
export const MGMT_BODY_LIMIT = 64 * 1024;

export function createManagementApp(core: Core): Promise<NestFastifyApplication> {
  return createApp(core, { listener: 'management', features: [AdminModule, OpenApiModule.forListener('management')], clientPolicy: true, bodyLimit: MGMT_BODY_LIMIT });
}
