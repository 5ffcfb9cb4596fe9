import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Core } from './core.js';

/** Injection tokens for the process-wide core shared by the three apps. */
export const CORE = Symbol('CORE');
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');

/**
 * Hands the core built once in main.ts to each Nest app. Each app has its own DI container, so
 * the same object must be provided with useValue; Nest never owns its lifecycle.
 */
@Global()
@Module({})
export class CoreBridgeModule {
  static forCore(core: Core): DynamicModule {
    return {
      module: CoreBridgeModule,
      global: true,
      providers: [
        { provide: CORE, useValue: core },
        { provide: CONFIG, useValue: core.config },
        { provide: LOGGER, useValue: core.logger },
      ],
      exports: [CORE, CONFIG, LOGGER],
    };
  }
}
