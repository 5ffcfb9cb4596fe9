import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Core } from './core.js';
import { shutdownTracing } from '../tracing/tracing.js';

export interface ListenerApps {
  client: NestFastifyApplication;
  management: NestFastifyApplication;
  dist: NestFastifyApplication;
}

export interface ShutdownReport {
  elapsedMs: number;
  hintsDropped: number;
  deadlineExceeded: boolean;
}

/**
 * The ordered shutdown of docs/lifecycle.md §3 under one deadline: drain (announces the leave to every
 * live peer), close the client API (in-flight requests finish), hand off and flush hints, stop the
 * loops (membership included), close management, close dist and the peer connection pools.
 */
export async function shutdownSequence(core: Core, apps: ListenerApps): Promise<ShutdownReport> {
  const started = Date.now();
  const deadline = started + core.config.shutdownTimeoutMs;
  if (core.node.drain()) core.logger.info('node draining');

  // Step 3, with step 4 (the handoff drain started) running alongside.
  const finishedInTime = (await closeWithin(apps.client, deadline)) && (await settlesBy(core.node.handoffDone(), deadline));
  // Step 5: flush hints to alive targets until the queues are empty or the deadline.
  const hintsDropped = finishedInTime
    ? await core.node.flushHints(deadline, Date.now)
    : core.node.dropHints();
  const deadlineExceeded = !finishedInTime || Date.now() >= deadline;
  if (hintsDropped > 0) core.logger.warn({ hints_dropped: hintsDropped }, 'hints dropped at shutdown');
  if (deadlineExceeded) core.logger.warn('shutdown deadline exceeded');

  core.membership.stop();
  core.node.stop();
  await closeWithin(apps.management, deadlineExceeded ? Date.now() : deadline);
  core.auth.close(); // both apps that accept JWTs are closed
  await closeWithin(apps.dist, deadlineExceeded ? Date.now() : deadline);
  // Last: the leave announced at step 2 may still be on its way to slow peers.
  await core.peers.close(deadlineExceeded ? Date.now() : deadline);
  await shutdownTracing(Math.min(5_000, Math.max(0, deadline - Date.now()))); // exports the last spans (no-op when tracing is off)
  return { elapsedMs: Date.now() - started, hintsDropped, deadlineExceeded };
}

/** How often a closing listener drops the keep-alive sockets that became idle since the close began. */
const IDLE_SWEEP_MS = 50;

/** Resolves true when `p` settles before `deadline` (epoch ms); a rejection counts as settled. */
async function settlesBy(p: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  const settled = p.then(() => true as const, () => true as const);
  const inTime = await Promise.race([settled, expired]);
  clearTimeout(timer);
  return inTime;
}

/** Closes an app, force-closing its connections when the deadline passes. Resolves true when it closed in time. */
async function closeWithin(app: NestFastifyApplication, deadline: number): Promise<boolean> {
  const server = app.getHttpServer();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  const closing = app.close().then(() => true as const);
  // server.close() drops the sockets idle at that moment only; a keep-alive socket whose request was
  // still in flight becomes idle after its answer and would hold the close until the deadline.
  const sweeper = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  const inTime = await Promise.race([closing, expired]);
  clearInterval(sweeper);
  clearTimeout(timer);
  if (!inTime) {
    server.closeAllConnections();
    await closing.catch(() => undefined);
  }
  return inTime;
}
