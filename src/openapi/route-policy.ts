import type { INestApplication, Type } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { PUBLIC_KEY, SCOPE_KEY } from '../auth/auth.decorators.js';
import type { Scope } from '../auth/scopes.js';

/** What the scope guard will do for one handler: let it through, or require a scope (CONTRACT §3.7). */
export type RoutePolicy = { public: true } | { public: false; scope: Scope } | { public: false; scope: undefined };

/**
 * Reads @Public()/@RequireScope() exactly as ScopeGuard does (handler first, then class), for every
 * route handler of every controller in the app, keyed by `<ControllerClass>.<method>`.
 */
export function readRoutePolicies(app: INestApplication): Map<string, RoutePolicy> {
  const reflector = new Reflector();
  const scanner = new MetadataScanner();
  const policies = new Map<string, RoutePolicy>();
  const seen = new Map<string, Type<unknown>>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown>;
      const previous = seen.get(controller.name);
      // Operation IDs are `<class>_<method>`, so two controller classes of one name would collide.
      if (previous && previous !== controller) throw new Error(`two controllers named ${controller.name} in one app`);
      seen.set(controller.name, controller);
      for (const method of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[method] as (...args: unknown[]) => unknown;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const targets = [handler, controller];
        const isPublic = reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) === true;
        const scope = reflector.getAllAndOverride<Scope | undefined>(SCOPE_KEY, targets);
        policies.set(policyKey(controller.name, method), isPublic ? { public: true } : { public: false, scope });
      }
    }
  }
  return policies;
}

export function policyKey(controllerName: string, methodName: string): string {
  return `${controllerName}.${methodName}`;
}
