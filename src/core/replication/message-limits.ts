/** Peer message bodies, requests and responses: 4 × MAX_VALUE_BYTES + 1 MiB (docs/peer-protocol.md §4, docs/configuration.md §6). */
export function peerMessageLimit(maxValueBytes: number): number {
  return 4 * maxValueBytes + 1024 * 1024;
}

/**
 * Key + value bytes one multi-entry message (hint replay, migration, coalesced replicates) may carry:
 * values travel as raw bytes in a frame (docs/peer-protocol.md §3.1), so 2 × MAX_VALUE_BYTES leaves
 * the headers of even the smallest entries far under the message limit.
 */
export function batchByteBudget(maxValueBytes: number): number {
  return 2 * maxValueBytes;
}
