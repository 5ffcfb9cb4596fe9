import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../config/config.types.js';
import { FatalError } from '../common/fatal.js';

/** Binds an app; any failure is fatal (docs/configuration.md §4). `:port` binds every interface (IPv6 dual-stack, else IPv4). */
export async function bind(app: NestFastifyApplication, addr: ListenAddress, variable: string): Promise<AddressInfo> {
  const hosts = addr.host === '' ? ['::', '0.0.0.0'] : [addr.host];
  let lastErr: unknown;
  for (const host of hosts) {
    try {
      await app.listen({ port: addr.port, host });
      return app.getHttpServer().address() as AddressInfo;
    } catch (err) {
      lastErr = err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') break;
    }
  }
  throw new FatalError(`${variable}: cannot bind "${addr.raw}": ${describeBindError(lastErr)}`);
}

function describeBindError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EADDRINUSE': return 'address already in use';
    case 'EACCES': return 'permission denied';
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return 'host cannot be resolved';
    case 'EADDRNOTAVAIL': return 'address not available on this machine';
    default: return e?.code ?? String(e?.message ?? err);
  }
}
