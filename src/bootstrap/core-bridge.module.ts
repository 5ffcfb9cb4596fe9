import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { configNamespace } from '../config/config.namespace.js';
import type { Core } from './core.js';

/** Injection tokens for the process-wide core shared by the three apps. */
export const CORE = Symbol('CORE');
export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');

/**
 * Hands the core built once in main.ts to each Nest app. Each app has its own DI container, so
 * the same object must be provided with useValue; Nest never owns its lifecycle. The configuration,
 * validated once in main.ts, also enters each app through a global `ConfigModule` (namespace
 * `hypercache`, no `.env` file, no second validation), which modules read with `ConfigService`.
 */
@Global()
@Module({})
export class CoreBridgeModule {
  static forCore(core: Core): DynamicModule {
    return {
      module: CoreBridgeModule,
      global: true,
      imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [configNamespace(core.config)] })],
      providers: [
        { provide: CORE, useValue: core },
        { provide: CONFIG, useValue: core.config },
        { provide: LOGGER, useValue: core.logger },
      ],
      exports: [CORE, CONFIG, LOGGER],
    };
  }
}
