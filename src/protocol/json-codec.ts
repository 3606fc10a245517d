/**
 * Builds outgoing frame strings. Field order is always `op, d, s, t`.
 * `encodeDispatch` is the fanout hot path: the event's `d` is serialised once per event (per
 * payload variant), and each frame is that JSON spliced into a template by concatenation,
 * with no second JSON.stringify of `d`.
 */
import { Op } from "./opcodes.ts";

/** Serialises `{op, d, s, t}`. `d` of undefined is sent as null. */
export function encodePayload(op: Op, d: unknown, s: number | null = null, t: string | null = null): string {
  const tJson = t === null ? "null" : JSON.stringify(t);
  return `{"op":${op},"d":${JSON.stringify(d ?? null)},"s":${s ?? "null"},"t":${tJson}}`;
}

/**
 * A DISPATCH frame around an already serialised `d`.
 * Trusts its inputs: `dJson` must be valid JSON, `s` a safe non-negative integer and `t` an
 * event name of [A-Z0-9_] (so it needs no escaping). Callers own that contract.
 */
export function encodeDispatch(t: string, s: number, dJson: string): string {
  return `{"op":0,"d":${dJson},"s":${s},"t":"${t}"}`;
}
