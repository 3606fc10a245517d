/**
 * What the dashboard's events stream pushes (api/dashboard.ts writes it, dashboard.ts reads
 * it): plain types with no imports, shared by the server and the page.
 */

/** A latency histogram: `counts[i]` up to `latencyBoundsMs[i]`, the last bucket above them all. */
export interface LatencyCounts {
  counts: number[];
  count: number;
  sumMs: number;
}

/** One worker as the dashboard shows it. */
export interface DashboardWorker {
  peer: string;
  connections: number;
  sessions: number;
  guildsLoaded: number;
  /** Frames handed to sockets so far (the page turns it into deliveries/s). */
  fanoutDeliveries: number;
  /** Dispatches this worker published to its sockets so far, by event type (once per event per worker). */
  dispatches: Record<string, number>;
  /** Operations on the guilds this worker owns, by name (event types, and join/leave...): once per event in the whole process. */
  handled: Record<string, number>;
  resumes: { ok: number; invalid: number };
  latency: LatencyCounts;
}

/** One pushed event. */
export interface DashboardSnapshot {
  /** When it was gathered, ms since the epoch. */
  at: number;
  /** The latency buckets' upper bounds, ms. */
  latencyBoundsMs: readonly number[];
  workers: DashboardWorker[];
}
