/** Fault injection for the Twilio simulator: the settings `POST /local/twilio/faults` accepts. */
import { z } from 'zod';
import { ValidationError } from '../../../shared/errors.ts';

const MAX_LATENCY_MS = 60_000;

const rate = z.number().min(0).max(1);

/** Fault injection for the simulator; every field is optional and a new config replaces the previous one. */
export const faultConfigSchema = z.strictObject({
  /** 0..1: fraction of sends answered 500 or 503 with Twilio error code 20500; nothing is recorded. */
  errorRate5xx: rate.default(0),
  /** 0..1: fraction of sends answered 429 with code 20429 "Too Many Requests"; nothing is recorded. */
  errorRate429: rate.default(0),
  /** 0..60000: milliseconds added before the simulator answers any Twilio REST API request. */
  latencyMs: z.number().int().min(0).max(MAX_LATENCY_MS).default(0),
  /**
   * Messages per second the account accepts: a token bucket holding `mps` sends (at least one),
   * refilled continuously. A send over it answers 429 with code 20429, as Twilio does, and is not
   * recorded. null or absent: unlimited.
   */
  mps: z.number().positive().nullable().default(null),
  /**
   * 0..1: fraction of sends that are accepted and recorded, with status callbacks as usual, but
   * answered 500 (code 20500): the ambiguous case in which a sender cannot know the message exists.
   */
  acceptThenFailRate: rate.default(0),
  /** Accept sends but post no status callbacks; the stored status still moves to sent and delivered. */
  dropCallbacks: z.boolean().default(false),
  /** 0..1: fraction of accepted messages whose final status is `undelivered` with ErrorCode 30003 instead of `delivered`. */
  failDeliveryRate: rate.default(0),
  /** 0..1: fraction of accepted messages whose final status is `failed` with ErrorCode 30008 (Unknown error). */
  failedRate: rate.default(0),
  /** 0..1: fraction of accepted messages that report `sending` (with its callback) before `sent`, as Twilio sometimes does. */
  sendingRate: rate.default(0),
});

/** The effective fault config, with every default filled in. */
export type FaultConfig = z.output<typeof faultConfigSchema>;

/** Thrown by `setFaults` for input that is not a valid fault config; the HTTP route maps it to 400. */
export class FaultConfigError extends ValidationError {}

export function bucketCapacity(mps: number | null): number {
  return mps === null ? 0 : Math.max(1, mps);
}

export function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}
