import { describe, expect, it } from 'vitest';
import type { Preconditions } from '../../../src/core/node.types.js';
import { failedPrecondition } from '../../../src/core/replication/preconditions.js';
import type { Entry } from '../../../src/core/store/entry.js';

const NOW = 1_700_000_000_000;
const live: Entry = { kind: 'item', key: 'k', value: Buffer.from('v'), version: 7, origin: 'n', updatedAt: NOW, expiresAt: 0 };
const expired: Entry = { ...live, expiresAt: NOW };
const tombstone: Entry = { kind: 'tombstone', key: 'k', version: 9, origin: 'n', deletedAt: NOW };

const OK = undefined;
const FAIL_WITH_VERSION = { version: 7 };
const FAIL_NO_VERSION = {};

// docs/api.md §1.9: If-Match `*` needs a live item; a list needs the current version in it; If-None-Match `*` needs
// no live item (absent, expired or tombstoned); both headers must hold. Failures carry the version
// only when the key exists.
const table: [string, Entry | undefined, Preconditions | undefined, object | undefined][] = [
  ['no preconditions, absent', undefined, undefined, OK],
  ['no preconditions, live', live, undefined, OK],
  ['empty preconditions', live, {}, OK],
  ['If-Match * on live', live, { ifMatch: '*' }, OK],
  ['If-Match * on absent', undefined, { ifMatch: '*' }, FAIL_NO_VERSION],
  ['If-Match * on expired', expired, { ifMatch: '*' }, FAIL_NO_VERSION],
  ['If-Match * on tombstone', tombstone, { ifMatch: '*' }, FAIL_NO_VERSION],
  ['If-Match current version', live, { ifMatch: [7] }, OK],
  ['If-Match list containing current', live, { ifMatch: [1, 7, 9] }, OK],
  ['If-Match stale version', live, { ifMatch: [6] }, FAIL_WITH_VERSION],
  ['If-Match empty list', live, { ifMatch: [] }, FAIL_WITH_VERSION],
  ['If-Match version on absent', undefined, { ifMatch: [7] }, FAIL_NO_VERSION],
  ['If-Match tombstone version', tombstone, { ifMatch: [9] }, FAIL_NO_VERSION],
  ['If-Match expired version', expired, { ifMatch: [7] }, FAIL_NO_VERSION],
  ['If-None-Match * on absent', undefined, { ifNoneMatchAny: true }, OK],
  ['If-None-Match * on expired', expired, { ifNoneMatchAny: true }, OK],
  ['If-None-Match * on tombstone', tombstone, { ifNoneMatchAny: true }, OK],
  ['If-None-Match * on live', live, { ifNoneMatchAny: true }, FAIL_WITH_VERSION],
  ['ifNoneMatchAny false on live', live, { ifNoneMatchAny: false }, OK],
  ['both: If-Match * and If-None-Match * on live', live, { ifMatch: '*', ifNoneMatchAny: true }, FAIL_WITH_VERSION],
  ['both: If-Match * and If-None-Match * on absent', undefined, { ifMatch: '*', ifNoneMatchAny: true }, FAIL_NO_VERSION],
  ['both: If-Match [7] and If-None-Match * on live', live, { ifMatch: [7], ifNoneMatchAny: true }, FAIL_WITH_VERSION],
];

describe('failedPrecondition (docs/api.md §1.9)', () => {
  it.each(table)('%s', (_name, current, pre, expected) => {
    expect(failedPrecondition(current, pre, NOW)).toEqual(expected);
  });

  it('an item is live until just before expiresAt', () => {
    const item: Entry = { ...live, expiresAt: NOW + 1 };
    expect(failedPrecondition(item, { ifMatch: [7] }, NOW)).toBeUndefined();
    expect(failedPrecondition(item, { ifMatch: [7] }, NOW + 1)).toEqual({});
  });
});
