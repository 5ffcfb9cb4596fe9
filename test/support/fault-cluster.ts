import { type ClusterNode, auth, client, getJson, mgmt } from './cluster.js';

// ---- client helpers (every call bounded in time; transport failures are answers with status 0) ----

const CALL_TIMEOUT_MS = 10_000;

export interface Reply {
  status: number;
  /** Error code from the envelope, or the transport error code (status 0). */
  code?: string;
  acks?: string | null;
  version?: number;
  origin?: string;
  body?: string;
}

function transportError(err: unknown): Reply {
  const e = err as { cause?: { code?: string }; name?: string; code?: string };
  return { status: 0, code: e.cause?.code ?? e.code ?? e.name ?? 'ERROR' };
}

const url = (n: ClusterNode, key: string) => `${client(n)}/v1/cache/${encodeURIComponent(key)}`;

export async function put(n: ClusterNode, key: string, value: string, consistency = 'quorum'): Promise<Reply> {
  try {
    const r = await fetch(url(n, key), {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/octet-stream', 'x-consistency': consistency },
      body: value,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const body = (await r.json()) as { code?: string; version?: number };
    return { status: r.status, code: body.code, acks: r.headers.get('x-cache-acks'), version: body.version };
  } catch (err) {
    return transportError(err);
  }
}

export async function del(n: ClusterNode, key: string, consistency = 'quorum'): Promise<Reply> {
  try {
    const r = await fetch(url(n, key), { method: 'DELETE', headers: { ...auth(), 'x-consistency': consistency }, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    const body = (await r.json()) as { code?: string; version?: number };
    return { status: r.status, code: body.code, acks: r.headers.get('x-cache-acks'), version: body.version };
  } catch (err) {
    return transportError(err);
  }
}

/** GET raw; `body` is the value on 200, `code` the error code otherwise. */
export async function get(n: ClusterNode, key: string, consistency = 'one'): Promise<Reply> {
  try {
    const r = await fetch(url(n, key), { headers: { ...auth(), 'x-consistency': consistency }, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    const text = await r.text();
    if (r.status === 200) return { status: 200, body: text, version: Number(r.headers.get('x-cache-version')), origin: r.headers.get('x-cache-origin') ?? undefined };
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
    return { status: r.status, code };
  } catch (err) {
    return transportError(err);
  }
}

export async function head(n: ClusterNode, key: string, consistency = 'one'): Promise<Reply> {
  try {
    const r = await fetch(url(n, key), { method: 'HEAD', headers: { ...auth(), 'x-consistency': consistency }, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    await r.arrayBuffer();
    return { status: r.status, version: Number(r.headers.get('x-cache-version')), origin: r.headers.get('x-cache-origin') ?? undefined };
  } catch (err) {
    return transportError(err);
  }
}

export async function ownersOf(n: ClusterNode, key: string): Promise<string[]> {
  return (await getJson<{ owners: string[] }>(client(n), `/v1/owners/${encodeURIComponent(key)}`)).body.owners;
}

export async function distMetrics(n: ClusterNode): Promise<Record<string, number>> {
  return (await getJson<Record<string, number>>(mgmt(n), '/dist/metrics')).body;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

/** `(v1, o1) > (v2, o2)` by version then origin bytes (CONTRACT §6.7). */
export function newer(a: { version: number; origin: string }, b: { version: number; origin: string }): boolean {
  return a.version !== b.version ? a.version > b.version : Buffer.compare(Buffer.from(a.origin), Buffer.from(b.origin)) > 0;
}
