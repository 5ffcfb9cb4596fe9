import { Agent, request } from 'undici';

export type ConnectOptions = NonNullable<ConstructorParameters<typeof Agent>[0]>['connect'] & object;

export interface TlsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One request over a fresh undici Agent with the given TLS client options (CA, client certificate,
 * protocol versions), closed afterwards so no connection (and no certificate) carries over to the next call.
 * A failed handshake rejects: there is no HTTP response.
 */
export async function tlsRequest(
  url: string,
  connect: ConnectOptions,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<TlsReply> {
  const agent = new Agent({ connect });
  try {
    const res = await request(url, {
      dispatcher: agent,
      method: (opts.method ?? 'GET') as 'GET',
      headers: opts.headers,
      body: opts.body,
      signal: AbortSignal.timeout(5000),
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  } finally {
    await agent.destroy();
  }
}
