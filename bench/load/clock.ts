/**
 * The clock every process on the box shares: ms since the epoch with
 * sub-millisecond precision (performance.timeOrigin + performance.now()), so
 * an ingress time stamped by the coordinator and a receipt time read by a
 * generator process subtract meaningfully.
 */
const origin = performance.timeOrigin;

export const clock = (): number => origin + performance.now();
