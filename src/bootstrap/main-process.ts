import 'reflect-metadata';
import { hostname } from 'node:os';
import { FatalError, fatalLine } from '../common/fatal.js';
import { packageVersion } from '../common/package-version.js';
import { type RunningNode, startNode } from './server.js';
import { createLogger, flushLogs, type Logger } from '../common/logger.js';
import { FatalConfigError } from '../config/fatal-config.error.js';
import { loadConfig } from '../config/load-config.js';
import { loadFiles } from '../config/load-files.js';
import { logBootWarnings } from './boot-warnings.js';
import { checkPeerCredential } from '../peer/peer-trust.js';
import { releaseYoungGeneration } from './boot-heap.js';

/**
 * The process (docs/lifecycle.md §2): validate everything, build the core once, bind, serve; exit 1
 * with a fatal line on a boot failure. Loaded by src/main.ts, the process entry.
 */
export function runProcess(): void {
  main().catch((err: unknown) => {
    if (err instanceof FatalConfigError || err instanceof FatalError) {
      process.stderr.write(fatalLine(err.message), () => process.exit(1));
      return;
    }
    process.stderr.write(fatalLine(`unexpected boot failure: ${(err as Error)?.message ?? String(err)}`), () => process.exit(1));
  });
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, hostname());
  const files = loadFiles(config);
  const logger = createLogger({ nodeId: config.nodeId, level: config.logLevel, format: config.logFormat });
  installRuntimeGuards(logger);
  logBootWarnings(config, logger);
  // Step 5: OIDC discovery, fatal on failure, before the core is built (openid-client is loaded only then).
  const oidcIssuer = config.oidc && (await (await import('../auth/oidc/discover.js')).discoverIssuer(config.oidc.issuer, { insecure: config.oidcInsecure === true }));
  // Then the peer credential of a closed node (after the files and discovery, so their errors come first).
  checkPeerCredential(config);
  const node = await startNode(config, logger, {
    version: packageVersion(),
    authFile: files.authPolicy,
    oidcIssuer,
    apiTls: files.apiTls && { cert: files.apiTls.cert, key: files.apiTls.key, ca: files.apiTls.clientCa },
    // Already read and checked by loadFiles; startNode reads them itself only for callers that did not.
    distTls: files.distTls,
  });
  installSignalHandlers(node, logger);
  releaseYoungGeneration();
}

/** First SIGTERM/SIGINT runs the ordered shutdown and exits 0; a second one exits 1 at once. */
function installSignalHandlers(node: RunningNode, logger: Logger): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) process.exit(1);
    shuttingDown = true;
    logger.info({ signal }, 'shutdown signal received');
    void node.shutdown().then(
      (report) => {
        logger.info({ hints_dropped: report.hintsDropped, elapsed_ms: report.elapsedMs }, 'hypercache-server stopped');
        exitAfterFlush(logger, 0);
      },
      (err: unknown) => {
        logger.error({ err }, 'fatal runtime error');
        exitAfterFlush(logger, 1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Upper bound on waiting for buffered log lines before exiting (a broken stdout never drains). */
const FLUSH_TIMEOUT_MS = 1_000;

function exitAfterFlush(logger: Logger, code: number): void {
  logger.flush();
  flushLogs(FLUSH_TIMEOUT_MS, () => process.exit(code));
}

function installRuntimeGuards(logger: Logger): void {
  const die = (err: unknown) => {
    logger.error({ err }, 'fatal runtime error');
    exitAfterFlush(logger, 1);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}
