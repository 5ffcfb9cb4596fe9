import { allowInsecureRequests, discovery } from 'openid-client';
import { FatalError } from '../../common/fatal.js';
import { checkDiscoveryDocument, type DiscoveredIssuer } from './discovery-document.js';

export interface DiscoverOptions {
  /** The issuer is plain http (accepted by the config loader with a WARN). */
  insecure: boolean;
  /** docs/configuration.md §4: 10 s; tests shorten it. */
  timeoutMs?: number;
}

/** openid-client needs a client ID; the node is a resource server and never acts as a client. */
const CLIENT_ID = 'hypercache-server';

/**
 * Boot step 5 (docs/lifecycle.md §2, docs/auth.md §5): fetch `<issuer>/.well-known/openid-configuration` and keep what
 * JWT verification needs. Every failure is a FatalError naming the variable, the issuer and why.
 */
export async function discoverIssuer(issuer: string, { insecure, timeoutMs = 10_000 }: DiscoverOptions): Promise<DiscoveredIssuer> {
  const fatal = (reason: string) => new FatalError(`HYPERCACHE_OIDC_ISSUER: OIDC discovery of ${JSON.stringify(issuer)} failed: ${reason}`);
  let document: unknown;
  try {
    const configuration = await discovery(new URL(issuer), CLIENT_ID, undefined, undefined, {
      timeout: timeoutMs / 1000,
      execute: insecure ? [allowInsecureRequests] : [],
    });
    document = configuration.serverMetadata();
  } catch (err) {
    throw fatal(describeFailure(err, timeoutMs));
  }
  const checked = checkDiscoveryDocument(document, issuer, { insecure });
  if (!checked.ok) throw fatal(checked.reason);
  return checked.issuer;
}

/** Turns an openid-client / fetch error into the documented reason (unreachable, timeout, non-2xx, …). */
function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; message?: string; cause?: unknown };
  switch (e.code) {
    case 'OAUTH_TIMEOUT':
      return `timed out after ${timeoutMs / 1000} s`;
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM': {
      const status = (e.cause as { status?: number } | undefined)?.status;
      return `unexpected HTTP status ${status ?? 'unknown'} (expected 200)`;
    }
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_PARSE_ERROR':
      return 'invalid document: not JSON';
    case 'OAUTH_INVALID_RESPONSE':
      return 'invalid document: not a JSON object with a string "issuer"';
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED': {
      const named = (e.cause as { body?: { issuer?: unknown } } | undefined)?.body?.issuer;
      return `issuer mismatch: the document names ${JSON.stringify(named)}`;
    }
    case 'ERR_INVALID_URL':
      return 'invalid document: "issuer" is not a URL';
  }
  // undici: TypeError('fetch failed') with the socket error (ECONNREFUSED, ENOTFOUND, …) as cause.
  if (err instanceof TypeError && e.cause !== undefined) {
    const cause = e.cause as { code?: string; message?: string };
    return `unreachable (${cause.code ?? cause.message ?? 'network error'})`;
  }
  return e.message ?? String(err);
}
