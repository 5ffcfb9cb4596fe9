import type { Consistency } from '../config/config.types.js';

/** Preconditions of a conditional write (docs/api.md §1.9), already parsed and validated. */
export interface Preconditions {
  /** `'*'` or a list of versions taken from strong ETags. */
  ifMatch?: '*' | number[];
  /** `If-None-Match: *` (PUT only). */
  ifNoneMatchAny?: boolean;
}

export interface PutCommand {
  key: string;
  value: Buffer;
  /** 0 = no expiry. */
  ttlMs: number;
  consistency: Consistency;
  preconditions?: Preconditions;
}

export interface DeleteCommand {
  key: string;
  consistency: Consistency;
  preconditions?: Preconditions;
}

/** Result of an acknowledged write or delete, as the coordinator reported it. */
export interface WriteOutcome {
  version: number;
  acks: number;
  n: number;
  owners: string[];
  /** Absolute expiry of a written item, 0 = none (always 0 for deletes). */
  expiresAt: number;
}

/** One write of a batch: its outcome, or why it failed (a `CacheError`, or anything unexpected). */
export type WriteResult = WriteOutcome | Error;

export interface ListKeysQuery {
  /** The browser pattern `q` as the client sent it (sent on to the peers). */
  pattern: string;
  /** Returns true when the key matches the browser pattern. */
  match: (key: string) => boolean;
  max: number;
}

export interface ListKeysResult {
  /** Distinct keys in UTF-8 byte order, at most `max`. */
  keys: string[];
  truncated: boolean;
  partialNodes: string[];
}

/** `getLocal`'s answer when the read needs peers (the caller then takes the asynchronous `get`). */
export const NOT_LOCAL: unique symbol = Symbol('not local');
