import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LISTENER, type ListenerName, ScopeGuard } from './scope.guard.js';

/** Mounted in the client and management apps: the global scope guard for that listener. */
@Module({})
export class AuthModule {
  static forListener(listener: ListenerName): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [{ provide: LISTENER, useValue: listener }, { provide: APP_GUARD, useClass: ScopeGuard }],
      exports: [LISTENER],
    };
  }
}
