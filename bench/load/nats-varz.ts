/**
 * NATS messages per event, from nats-server's monitoring endpoint (`/varz`: `in_msgs`, the
 * messages clients published; `out_msgs`, the copies it handed to subscribers). The counters
 * also move without any event: every node's membership heartbeat (4 a second) and its
 * JetStream traffic. So the harness reads them at the start of an idle second before a
 * phase, at the phase's start and at its end, and takes that idle rate off the phase's
 * deltas before dividing by its events.
 */
import { clock } from "./clock.ts";

/** The two counters at one moment (`at`: the shared clock, ms). */
export interface NatsCounters {
  at: number;
  inMsgs: number;
  outMsgs: number;
}

export interface NatsPerEvent {
  events: number;
  /** Deltas over the phase, as nats-server counts them. */
  inMsgs: number;
  outMsgs: number;
  /** The rates in the idle second before the phase, messages/s. */
  idleInPerSec: number;
  idleOutPerSec: number;
  /** (phase delta - idle rate × phase duration) / events, never below 0. */
  inPerEvent: number;
  outPerEvent: number;
}

export function parseVarz(body: unknown, at: number): NatsCounters {
  const varz = body as { in_msgs?: unknown; out_msgs?: unknown } | null;
  const inMsgs = varz?.in_msgs;
  const outMsgs = varz?.out_msgs;
  if (typeof inMsgs !== "number" || typeof outMsgs !== "number") throw new Error(`/varz has no in_msgs and out_msgs: ${JSON.stringify(body).slice(0, 200)}`);
  return { at, inMsgs, outMsgs };
}

export async function readVarz(monitorUrl: string): Promise<NatsCounters> {
  const response = await fetch(`${monitorUrl}/varz`);
  if (!response.ok) throw new Error(`${monitorUrl}/varz answered ${response.status}`);
  const body: unknown = await response.json();
  return parseVarz(body, clock());
}

/** Messages per event over a phase from `start` to `end`, net of the idle rate from `idle` to `start`. */
export function natsPerEvent(idle: NatsCounters, start: NatsCounters, end: NatsCounters, events: number): NatsPerEvent {
  const idleSeconds = (start.at - idle.at) / 1000;
  const phaseSeconds = (end.at - start.at) / 1000;
  const idleInPerSec = idleSeconds > 0 ? (start.inMsgs - idle.inMsgs) / idleSeconds : 0;
  const idleOutPerSec = idleSeconds > 0 ? (start.outMsgs - idle.outMsgs) / idleSeconds : 0;
  const inMsgs = end.inMsgs - start.inMsgs;
  const outMsgs = end.outMsgs - start.outMsgs;
  const perEvent = (delta: number, idleRate: number): number => (events > 0 ? Math.max(0, delta - idleRate * phaseSeconds) / events : NaN);
  return {
    events,
    inMsgs,
    outMsgs,
    idleInPerSec,
    idleOutPerSec,
    inPerEvent: perEvent(inMsgs, idleInPerSec),
    outPerEvent: perEvent(outMsgs, idleOutPerSec),
  };
}

/**
 * Starts counting over a phase: reads the counters, waits an idle second (the background
 * rate) and reads them again; the function returned reads the end and gives the figures.
 */
export async function countNatsMessages(monitorUrl: string): Promise<(events: number) => Promise<NatsPerEvent>> {
  const idle = await readVarz(monitorUrl);
  await Bun.sleep(1_000);
  const start = await readVarz(monitorUrl);
  return async (events) => natsPerEvent(idle, start, await readVarz(monitorUrl), events);
}
