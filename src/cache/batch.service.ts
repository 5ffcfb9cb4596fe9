import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, CONFIG, LOGGER, NODE } from '../seams/tokens.js';
import type { CacheNodeApi } from '../core/node-api.js';
import type { WriteResult } from '../core/node.types.js';
import type { HypercacheConfig } from '../config/config.types.js';
import type { Logger } from 'pino';
import type { Clock } from '../core/time/clock.js';
import type { Consistency } from '../config/config.types.js';
import { CacheError } from '../core/errors.js';
import { isValidKey } from '../core/keys/key-codec.js';
import { type PutItemCheck, checkPutItem } from './batch-put-item.js';
import { itemFields } from './item-view.js';
import { keyedWaves, runKeyedInOrder } from './keyed-pool.js';

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
 * Batch operations (docs/api.md §1.11): one result per element, in request order; a per-item failure
 * never fails the batch. Gets go through the single-key read, 16 at a time; puts and deletes go to
 * the node as one unit of work per wave of distinct keys (docs/cluster.md §4.1), each item still
 * counted as one operation.
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

  /** One unit of work per wave of distinct keys (docs/cluster.md §4.1), not one write per item. */
  async put(elements: unknown[], consistency: Consistency): Promise<BatchPutResult[]> {
    const maxValueBytes = this.config.maxValueBytes;
    const checks = elements.map((el) => checkPutItem(el, maxValueBytes));
    const results = new Array<BatchPutResult>(checks.length);
    const valid: Extract<PutItemCheck, { ok: true }>[] = [];
    const at: number[] = [];
    checks.forEach((c, i) => {
      if (!c.ok) results[i] = { key: c.key, stored: false, ...this.failure(c.error) };
      else {
        valid.push(c);
        at.push(i);
      }
    });
    for (const wave of keyedWaves(valid.map((c) => c.key))) {
      const cmds = wave.map((j) => ({ key: valid[j]!.key, value: valid[j]!.value, ttlMs: valid[j]!.ttlMs, consistency }));
      const outcomes = await this.settle(this.node.putMany(cmds), cmds.length);
      wave.forEach((j, w) => {
        const { key, value } = valid[j]!;
        const out = outcomes[w]!;
        results[at[j]!] = out instanceof Error
          ? { key, stored: false, ...this.failure(out) }
          : { key, stored: true, bytes: value.length, version: out.version, acks: out.acks, owners: out.owners };
      });
    }
    return results;
  }

  /** As `put`: one unit of work per wave of distinct keys. */
  async delete(elements: unknown[], consistency: Consistency): Promise<BatchDeleteResult[]> {
    const results = new Array<BatchDeleteResult>(elements.length);
    const keys: string[] = [];
    const at: number[] = [];
    elements.forEach((key, i) => {
      if (!isValidKey(key)) results[i] = { key: typeof key === 'string' ? key : '', deleted: false, ...badKey() };
      else {
        keys.push(key);
        at.push(i);
      }
    });
    for (const wave of keyedWaves(keys)) {
      const outcomes = await this.settle(this.node.deleteMany(wave.map((j) => ({ key: keys[j]!, consistency }))), wave.length);
      wave.forEach((j, w) => {
        const key = keys[j]!;
        const out = outcomes[w]!;
        results[at[j]!] = out instanceof Error
          ? { key, deleted: false, ...this.failure(out) }
          : { key, deleted: true, version: out.version, acks: out.acks, owners: out.owners };
      });
    }
    return results;
  }

  /** A batch call that throws (unexpected, logged once) fails each of its items as INTERNAL, never the whole batch. */
  private settle(results: Promise<WriteResult[]>, count: number): Promise<WriteResult[]> {
    return results.catch((err: unknown) => {
      this.logger.error({ err }, 'batch failed');
      return Array.from({ length: count }, () => new CacheError('INTERNAL', 'internal error'));
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
