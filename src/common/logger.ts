import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/config.types.js';

export type { Logger } from 'pino';

/** Paths removed from every log line (CONTRACT §1.6): credentials never reach a log. */
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
  return pino(base, opts.destination ?? pino.destination({ dest: 1, sync: false }));
}
