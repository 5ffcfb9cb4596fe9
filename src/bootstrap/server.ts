import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { HypercacheConfig } from '../config/config.types.js';
import { apiAdvertiseUrl } from '../config/api-advertise.js';
import { type DistTlsMaterial, loadDistTls } from '../config/load-files.js';
import { peerToken } from '../peer/peer-auth.js';
import { createClientApp, type TlsMaterial } from './client-app.js';
import { buildCore, type Core, type CoreOptions } from './core.js';
import type { HotRouteSwitch } from './create-app.js';
import { createDistApp } from './dist-app.js';
import { bind } from './listen.js';
import { createManagementApp } from './management-app.js';
import { type ListenerApps, type ShutdownReport, shutdownSequence } from './shutdown.js';

export interface RunningNode {
  core: Core;
  apps: ListenerApps;
  ports: { api: number; mgmt: number; dist: number };
  /** Runs the ordered shutdown once; later calls return the same promise. */
  shutdown(): Promise<ShutdownReport>;
}

export interface StartOptions extends CoreOptions, HotRouteSwitch {
  apiTls?: TlsMaterial;
}

/** Startup steps 6–11 of docs/lifecycle.md §2 (config, files and OIDC are checked by the caller). */
export async function startNode(config: HypercacheConfig, logger: Logger, opts: StartOptions = {}): Promise<RunningNode> {
  // Read here when the caller did not pass it, so HYPERCACHE_DIST_TLS_* never leaves the dist listener or the peer calls plaintext.
  const distTls: DistTlsMaterial | undefined = opts.distTls ?? (config.distTls && loadDistTls(config.distTls));
  const core = await buildCore(config, logger, { ...opts, distTls });
  const started: Partial<ListenerApps> = {};
  try {
    started.dist = await createDistApp(core, distTls, opts);
    const dist = await bind(started.dist, config.distAddr, 'HYPERCACHE_DIST_ADDR');
    logBound(logger, 'dist', dist, distTls !== undefined);

    started.management = await createManagementApp(core);
    const mgmt = await bind(started.management, config.mgmtAddr, 'HYPERCACHE_MGMT_ADDR');
    logBound(logger, 'management', mgmt, false);

    core.node.start();
    core.membership.start();

    started.client = await createClientApp(core, opts.apiTls, opts);
    const api = await bind(started.client, config.apiAddr, 'HYPERCACHE_API_ADDR');
    logBound(logger, 'client', api, opts.apiTls !== undefined);
    if (config.apiAdvertiseAddr === undefined) core.node.members.setSelfApiUrl(apiAdvertiseUrl(config, api.port)!);

    const apps = started as ListenerApps;
    logger.info(
      {
        api_addr: hostPort(api), mgmt_addr: hostPort(mgmt), dist_addr: hostPort(dist), advertise_addr: config.advertiseAddr,
        seeds: config.seeds.map((s) => s.raw), replication: config.replication, vnodes: config.vnodes,
        auth_mode: core.auth.mode, oidc_enabled: config.oidc !== undefined, dist_auth: distAuthMode(config),
      },
      'hypercache-server started',
    );
    let shutdown: Promise<ShutdownReport> | undefined;
    return {
      core,
      apps,
      ports: { api: api.port, mgmt: mgmt.port, dist: dist.port },
      shutdown: () => (shutdown ??= shutdownSequence(core, apps)),
    };
  } catch (err) {
    core.membership.stop();
    core.node.stop();
    await Promise.allSettled([...Object.values(started).map((app) => app.close()), core.peers.close()]);
    core.auth.close(); // the passport strategy's process-global name
    throw err;
  }
}

export function distAuthMode(config: HypercacheConfig): 'none' | 'token' | 'mtls' | 'token+mtls' {
  const token = peerToken(config) !== undefined;
  const mtls = config.distTls !== undefined;
  return token && mtls ? 'token+mtls' : token ? 'token' : mtls ? 'mtls' : 'none';
}

function hostPort(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

function logBound(logger: Logger, listener: string, a: AddressInfo, tls: boolean): void {
  logger.info({ listener, addr: hostPort(a), tls }, 'listener bound');
}
