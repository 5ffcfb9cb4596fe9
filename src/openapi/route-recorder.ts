import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, RouteOptions } from 'fastify';

export interface RegisteredRoute {
  method: string;
  /** Fastify syntax (`/v1/cache/:key`). */
  url: string;
}

/**
 * Records every route the listener's Fastify instance registers, Nest controllers and plain Fastify
 * routes alike, minus the HEAD twins Fastify adds to GET routes. The drift test compares this table
 * with the document. Constructed while Nest creates the app, which is before any route exists.
 */
@Injectable()
export class RouteRecorder {
  private readonly recorded: Array<RegisteredRoute & { handler: unknown }> = [];

  constructor(@Inject(HttpAdapterHost) host: HttpAdapterHost) {
    const fastify = host.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) this.recorded.push({ method, url: route.url, handler: route.handler });
    });
  }

  routes(): RegisteredRoute[] {
    // Fastify's automatic HEAD route is a copy of the GET route's options, handler included.
    const getHandlers = new Map(this.recorded.filter((r) => r.method === 'GET').map((r) => [r.url, r.handler]));
    return this.recorded
      .filter((r) => !(r.method === 'HEAD' && getHandlers.get(r.url) === r.handler))
      .map(({ method, url }) => ({ method, url }));
  }
}
