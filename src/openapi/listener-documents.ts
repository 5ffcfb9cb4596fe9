import type { ListenerName } from '../auth/scope.guard.js';

/** What each listener's document says about itself (docs/openapi-conventions.md §1). Everything else comes from the code. */
export interface ListenerDocument {
  title: string;
  description: string;
  /** The listener's default address (docs/lifecycle.md §1); the document's server URL is relative (`/`) so the explorer calls the host that served it. */
  defaultAddress: string;
  /** Tag descriptions, in display order; tags the controllers use but this table lacks stay undescribed. */
  tags: Array<[name: string, description: string]>;
  /** Client and management: identity from a bearer (static token or OIDC JWT); client also from a client certificate. */
  mutualTls: boolean;
}

const SCOPES_TEXT =
  'Every operation either is public (`security: []`; credentials are not examined) or names the one scope it ' +
  'requires in `x-required-scope`. Scopes are `read`, `write` and `admin` and are not hierarchical. A request ' +
  'without a resolvable identity gets 401 with `WWW-Authenticate: Bearer`; an identity without the scope gets 403. ' +
  'In open mode (no auth configured) every request is an identity with all three scopes.';

const ENVELOPE_TEXT = 'Errors use the envelope `ErrorResponse` `{"error": "<message>", "code": "<CODE>"}`.';

export const LISTENER_DOCUMENTS: Record<ListenerName, ListenerDocument> = {
  client: {
    title: 'hypercache client API',
    description: [
      'Key/value operations of one hypercache node; any node serves any key (docs/api.md §1).',
      '',
      'Credentials: `Authorization: Bearer <token>` with a static token or an OIDC JWT (scheme `bearer`), or, when ' +
        'the listener runs TLS with a client CA, a verified client certificate whose CN is configured (scheme ' +
        '`mutualTLS`). Either one is enough.',
      '',
      SCOPES_TEXT,
      '',
      `${ENVELOPE_TEXT} Every response carries \`X-Cache-Node\`, the ID of the node that answered.`,
    ].join('\n'),
    defaultAddress: ':8080',
    tags: [
      ['cache', 'Single-key values: store, fetch, metadata, delete, conditional requests'],
      ['batch', 'Batch get, put and delete (up to 1000 items)'],
      ['keys', 'Cluster-wide key browser'],
      ['cluster', 'Ring lookups: the owners of a key'],
      ['identity', 'The caller identity and its capabilities'],
      ['health', 'Liveness'],
      ['docs', 'This document'],
    ],
    mutualTls: true,
  },
  management: {
    title: 'hypercache management API',
    description: [
      'Health, statistics, configuration, metrics, cluster views and admin actions of one node (docs/api.md §2). ' +
        'Plaintext only: restrict network access to it.',
      '',
      'Credentials: `Authorization: Bearer <token>` with a static token or an OIDC JWT (scheme `bearer`).',
      '',
      SCOPES_TEXT,
      '',
      ENVELOPE_TEXT,
    ].join('\n'),
    defaultAddress: ':8081',
    tags: [
      ['health', 'Terminus liveness and readiness probes'],
      ['stats', 'Local statistics'],
      ['config', 'Effective configuration, secrets redacted'],
      ['metrics', 'Prometheus metrics'],
      ['dist', 'Distribution counters and ring lookups'],
      ['cluster', 'Membership, ring and heartbeat views, event stream'],
      ['admin', 'Drain, eviction, expiry and clear actions'],
      ['docs', 'This document'],
    ],
    mutualTls: false,
  },
  dist: {
    title: 'hypercache peer (dist) protocol',
    description: [
      'Node-to-node operations as implemented (docs/peer-protocol.md). Internal: the wire format belongs to this ' +
        'implementation and is compatible with no other. Not served by any listener.',
      '',
      'Credentials: the peer token as `Authorization: Bearer <token>` (scheme `bearer`) and/or a client certificate ' +
        'chaining to the dist CA (scheme `mutualTLS`), whichever the cluster configures; with neither the listener ' +
        'is open. There are no scopes: an authenticated peer may call every operation.',
      '',
      ENVELOPE_TEXT,
    ].join('\n'),
    defaultAddress: ':7946',
    tags: [
      ['peer', 'Peer protocol operations'],
      ['health', 'Peer-listener health'],
    ],
    mutualTls: true,
  },
};
