import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, CONFIG, LOGGER, NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { Logger } from 'pino';
import type { Clock } from '../core/time/clock.js';
import type { Consistency } from '../config/config.types.js';
import { CacheError } from '../core/errors.js';
import { isValidKey } from '../core/keys/key-codec.js';
import { checkPutItem } from './batch-put-item.js';
import { itemFields } from './item-view.js';
import { runKeyedInOrder } from './keyed-pool.js';

/** Batch items in flight at once; same-key items still run in request order. */
const BATCH_CONCURRENCY = 16;

interface Failure {
  error: string;
  code: string;
  version?: number;
  acks?: number;
  owners?: string[];
}

export type BatchGetResult =
  | { key: string; found: false }
  | ({ key: string; found: true; owners: string[] } & ReturnType<typeof itemFields>)
  | ({ key: string; found: false } & Failure);
export type BatchPutResult =
  | { key: string; stored: true; bytes: number; version: number; acks: number; owners: string[] }
  | ({ key: string; stored: false } & Failure);
export type BatchDeleteResult =
  | { key: string; deleted: true; version: number; acks: number; owners: string[] }
  | ({ key: string; deleted: false } & Failure);

/**
 * Batch operations (docs/api.md §1.11): one result per element, in request order. Every item goes
 * through the same node call as the single-key route, so it is counted there; a per-item failure
 * never fails the batch.
 */
@Injectable()
export class BatchService {
  constructor(@Inject(NODE) private readonly node: CacheNodeApi, @Inject(CONFIG) private readonly config: HypercacheConfig, @Inject(LOGGER) private readonly logger: Logger, @Inject(CLOCK) private readonly clock: Clock) {}

  get(elements: unknown[], consistency: Consistency): Promise<BatchGetResult[]> {
    return runKeyedInOrder(elements.map(keyOrUndefined), BATCH_CONCURRENCY, async (i) => {
      const key = elements[i];
      if (!isValidKey(key)) return { key: typeof key === 'string' ? key : '', found: false, ...badKey() };
      try {
        const item = await this.node.get(key, consistency);
        if (!item) return { key, found: false };
        return { key, found: true, ...itemFields(item, this.clock.now()), owners: this.node.owners(key) };
      } catch (err) {
        return { key, found: false, ...this.failure(err) };
      }
    });
  }

  put(elements: unknown[], consistency: Consistency): Promise<BatchPutResult[]> {
    const maxValueBytes = this.config.maxValueBytes;
    const checks = elements.map((el) => checkPutItem(el, maxValueBytes));
    return runKeyedInOrder(checks.map((c) => (c.ok ? c.key : undefined)), BATCH_CONCURRENCY, async (i) => {
      const c = checks[i]!;
      if (!c.ok) return { key: c.key, stored: false, ...this.failure(c.error) };
      try {
        const out = await this.node.put({ key: c.key, value: c.value, ttlMs: c.ttlMs, consistency });
        return { key: c.key, stored: true, bytes: c.value.length, version: out.version, acks: out.acks, owners: out.owners };
      } catch (err) {
        return { key: c.key, stored: false, ...this.failure(err) };
      }
    });
  }

  delete(elements: unknown[], consistency: Consistency): Promise<BatchDeleteResult[]> {
    return runKeyedInOrder(elements.map(keyOrUndefined), BATCH_CONCURRENCY, async (i) => {
      const key = elements[i];
      if (!isValidKey(key)) return { key: typeof key === 'string' ? key : '', deleted: false, ...badKey() };
      try {
        const out = await this.node.delete({ key, consistency });
        return { key, deleted: true, version: out.version, acks: out.acks, owners: out.owners };
      } catch (err) {
        return { key, deleted: false, ...this.failure(err) };
      }
    });
  }

  /** `{error, code}` of a failed item, plus version/acks/owners for QUORUM_NOT_MET; anything unexpected is INTERNAL. */
  private failure(err: unknown): Failure {
    if (!(err instanceof CacheError)) {
      this.logger.error({ err }, 'batch item failed');
      return { error: 'internal error', code: 'INTERNAL' };
    }
    const d = err.details;
    return {
      error: err.message,
      code: err.code,
      ...(err.code === 'QUORUM_NOT_MET' && { version: d.version, acks: d.acks, owners: d.owners }),
    };
  }
}

function keyOrUndefined(el: unknown): string | undefined {
  return typeof el === 'string' ? el : undefined;
}

function badKey(): Failure {
  return { error: 'missing or invalid key', code: 'BAD_REQUEST' };
}
