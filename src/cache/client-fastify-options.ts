import type { FastifyServerOptions } from 'fastify';

/** Paths whose last segment is a `{key}`: an empty segment there is a bad key, not an unknown route. */
const EMPTY_KEY_PATHS = new Set(['/v1/cache/', '/v1/owners/']);

/** Longer than any request line Node accepts (16 KiB of headers), so every key segment reaches its handler. */
const MAX_PARAM_CHARS = 65_536;

/**
 * Route matching on the raw path (docs/api.md §1.2). Fastify's router percent-decodes the path before
 * matching and answers a bad escape itself, before auth and without the documented envelope.
 * Escaping each `%` as `%25` makes the router decode back to exactly the raw path, so a `{key}`
 * parameter is the raw segment, which the handler decodes and validates after the guard ran
 * (key-codec.ts). An empty key becomes a lone `%` segment: the route still matches (Nest would
 * 404 an empty parameter) and the key decoder rejects it with the documented 400.
 */
export function keepPathRaw(url: string): string {
  let end = url.length;
  let escaped = false;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f /* ? */ || c === 0x23 /* # */) {
      end = i;
      break;
    }
    if (c === 0x25 /* % */) escaped = true;
  }
  if (escaped) return url.slice(0, end).replaceAll('%', '%25') + url.slice(end);
  if (EMPTY_KEY_PATHS.has(url.slice(0, end))) return `${url.slice(0, end)}%25${url.slice(end)}`;
  return url;
}

/** The Fastify server options of the client API listener. */
export function clientFastifyOptions(): Pick<FastifyServerOptions, 'rewriteUrl' | 'routerOptions'> {
  return {
    rewriteUrl: (req) => keepPathRaw(req.url ?? '/'),
    routerOptions: { maxParamLength: MAX_PARAM_CHARS },
  };
}
