import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/config.types.js';

export type { Logger } from 'pino';

/** Paths removed from every log line (docs/lifecycle.md §5): credentials never reach a log. */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  'token',
  '*.token',
  'jwt',
  'peerToken',
];

let stdoutDestination: ReturnType<typeof pino.destination> | undefined;

/**
 * Waits (at most `timeoutMs`) until the log lines in flight reach stdout, then calls `done`.
 * pino flushes an async destination again inside process.exit, and SonicBoom retries a failed
 * write there forever (EPIPE once the reader of stdout went away), so a destination that failed
 * or did not drain in time is released first; a released destination is skipped at exit.
 */
export function flushLogs(timeoutMs: number, done: () => void): void {
  const dest = stdoutDestination;
  // `_writing` is SonicBoom's in-flight flag; with nothing in flight there is nothing to wait for.
  if (!dest || !(dest as unknown as { _writing?: boolean })._writing) return done();
  let finished = false;
  const finish = (release: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    if (release) dest.destroy();
    done();
  };
  const timer = setTimeout(() => finish(true), timeoutMs);
  dest.once('drain', () => finish(false));
  dest.once('error', () => finish(true));
}

export interface LoggerOptions {
  nodeId: string;
  level: LogLevel;
  format: 'json' | 'pretty';
  /** Destination stream; stdout by default (tests pass a capture stream). */
  destination?: NodeJS.WritableStream;
}

/** One root pino logger per process: JSON lines with string `level`, ISO `time` and `node_id`. */
export function createLogger(opts: LoggerOptions): Logger {
  const base = {
    level: opts.level,
    base: { node_id: opts.nodeId },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, remove: true },
  };
  if (opts.format === 'pretty') {
    const transport = pino.transport({ target: 'pino-pretty', options: { colorize: false } });
    return pino(base, transport);
  }
  if (opts.destination) return pino(base, opts.destination);
  stdoutDestination = pino.destination({ dest: 1, sync: false });
  return pino(base, stdoutDestination);
}
