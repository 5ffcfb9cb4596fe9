import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import type { ListenerName } from '../auth/scope.guard.js';
import { createClientApp } from './client-app.js';
import { buildCore } from './core.js';
import { createDistApp } from './dist-app.js';
import { createManagementApp } from './management-app.js';
import { loadConfig } from '../config/load-config.js';
import { buildOpenApiDocument } from '../openapi/build-document.js';
import { toYaml } from '../openapi/document-yaml.js';

/** Defaults of docs/configuration.md §1 plus a fixed identity: nothing about the machine reaches the documents. */
const GENERATION_ENV = { HYPERCACHE_NODE_ID: 'openapi', HYPERCACHE_DIST_ADVERTISE_ADDR: 'openapi:7946' };

/**
 * Builds the three listener apps around a core that is never started, without binding any port,
 * and returns each listener's document as YAML.
 */
export async function generateDocuments(): Promise<Record<ListenerName, string>> {
  const core = await buildCore(loadConfig(GENERATION_ENV, 'openapi'), pino({ enabled: false }));
  const apps: Partial<Record<ListenerName, NestFastifyApplication>> = {};
  try {
    apps.client = await createClientApp(core);
    apps.management = await createManagementApp(core);
    apps.dist = await createDistApp(core);
    return {
      client: toYaml(buildOpenApiDocument(apps.client, 'client')),
      management: toYaml(buildOpenApiDocument(apps.management, 'management')),
      dist: toYaml(buildOpenApiDocument(apps.dist, 'dist')),
    };
  } finally {
    await Promise.all(Object.values(apps).map((app) => app.close()));
  }
}
