import { Writable } from 'node:stream';
import { type RunningNode, startNode, type StartOptions } from '../../src/bootstrap/server.js';
import { createLogger } from '../../src/common/logger.js';
import type { HypercacheConfig } from '../../src/config/config.types.js';
import { testConfig } from './test-config.js';

export interface TestNode extends RunningNode {
  api: string;
  mgmt: string;
  dist: string;
  /** Every log line written so far (JSON strings). */
  logs: string[];
  stop(): Promise<void>;
}

/** Starts a full node (three real listeners on loopback) inside the test process. */
export async function startTestNode(overrides: Partial<HypercacheConfig> = {}, opts: StartOptions = {}): Promise<TestNode> {
  const config = testConfig(overrides);
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ nodeId: config.nodeId, level: config.logLevel, format: 'json', destination });
  const node = await startNode(config, logger, opts);
  const scheme = opts.apiTls ? 'https' : 'http';
  return {
    ...node,
    api: `${scheme}://127.0.0.1:${node.ports.api}`,
    mgmt: `http://127.0.0.1:${node.ports.mgmt}`,
    dist: `${opts.distTls || config.distTls ? 'https' : 'http'}://127.0.0.1:${node.ports.dist}`,
    logs,
    stop: async () => {
      await node.shutdown();
    },
  };
}
