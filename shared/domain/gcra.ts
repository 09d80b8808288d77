/**
 * The generic cell rate algorithm, as both rate limiters keep it: one number per schedule, the
 * theoretical arrival time (TAT) of the next request. A request conforms while the TAT is at most
 * the tolerance ahead of now; each conforming request moves the TAT on by one emission interval.
 * Over any window of t ms, conforming requests stay within `1 + (tolerance + t) / interval`.
 */
export interface GcraLimits {
  /** Milliseconds between two requests at the steady rate: 1000 / requests per second. */
  intervalMs: number;
  /** How far ahead of now the TAT may run: (burst − 1) intervals lets `burst` requests through at once. */
  toleranceMs: number;
}

/** The limits of a bucket that refills `ratePerSecond` and holds `burst` requests. */
export function gcraLimits(ratePerSecond: number, burst: number): GcraLimits {
  const intervalMs = 1000 / ratePerSecond;
  return { intervalMs, toleranceMs: Math.max(0, burst - 1) * intervalMs };
}

/** How many requests conform at `now`, given the stored TAT (0 for a schedule never used). */
export function gcraRoom(tat: number, now: number, limits: GcraLimits): number {
  return Math.max(0, Math.floor((now + limits.toleranceMs - Math.max(tat, now)) / limits.intervalMs) + 1);
}

/**
 * The latest stored TAT at which `cells` requests still conform at `now`: what a conditional
 * write compares the stored TAT with, so the store itself decides under concurrency.
 */
export function gcraLatestTat(now: number, limits: GcraLimits, cells = 1): number {
  return now + limits.toleranceMs - (cells - 1) * limits.intervalMs;
}

export type GcraStep = { allowed: true; tat: number } | { allowed: false; tat: number; retryAfterMs: number };

/**
 * One step of the algorithm for `cells` requests at `now`: allowed, with the TAT to store; or
 * refused, the TAT unchanged, with how long until they would conform.
 */
export function gcraStep(tat: number, now: number, limits: GcraLimits, cells = 1): GcraStep {
  const from = Math.max(tat, now);
  const latest = gcraLatestTat(now, limits, cells);
  if (from <= latest) return { allowed: true, tat: from + cells * limits.intervalMs };
  return { allowed: false, tat, retryAfterMs: from - latest };
}
