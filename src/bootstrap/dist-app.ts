import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DistModule } from '../dist/dist.module.js';
import { OpenApiModule } from '../openapi/openapi.module.js';
import type { Core } from './core.js';
import { createApp } from './create-app.js';

/** Dist message bodies: 4 × MAX_VALUE_BYTES + 1 MiB (CONTRACT §7.4). */
export function distBodyLimit(maxValueBytes: number): number {
  return 4 * maxValueBytes + 1024 * 1024;
}

export function createDistApp(core: Core): Promise<NestFastifyApplication> {
  return createApp(core, {
    listener: 'dist',
    features: [DistModule, OpenApiModule.forListener('dist')],
    clientPolicy: false,
    bodyLimit: distBodyLimit(core.config.maxValueBytes),
  });
}
