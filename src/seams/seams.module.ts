import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { CacheNodeApi } from '../core/node-api.js';
import type { Clock } from '../core/time/clock.js';
import type { ProcessInfo } from './process-info.js';
import { AUTH_POLICY, CLOCK, LOGGER, MEMBERSHIP, NODE, PROCESS_INFO } from './tokens.js';

/**
 * What the composition root built, as the seams see it. The auth policy and the membership driver
 * belong to feature folders, so they stay opaque here: the feature that injects them names their type.
 */
export interface SeamValues extends ProcessInfo {
  node: CacheNodeApi;
  logger: Logger;
  clock: Clock;
  auth: object;
  membership: object;
}

/**
 * Provides the seam tokens to one Nest app from the objects built once in main.ts. Each app has
 * its own DI container, so the same objects are provided with useValue; Nest never owns their lifecycle.
 */
@Global()
@Module({})
export class SeamsModule {
  static forProcess(values: SeamValues): DynamicModule {
    const info: ProcessInfo = { startedAt: values.startedAt, version: values.version };
    const providers = [
      { provide: NODE, useValue: values.node },
      { provide: LOGGER, useValue: values.logger },
      { provide: CLOCK, useValue: values.clock },
      { provide: AUTH_POLICY, useValue: values.auth },
      { provide: MEMBERSHIP, useValue: values.membership },
      { provide: PROCESS_INFO, useValue: info },
    ];
    return { module: SeamsModule, global: true, providers, exports: providers.map((p) => p.provide) };
  }
}
