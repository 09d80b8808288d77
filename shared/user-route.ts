import * as z from 'zod/mini';
import { DynamoUserRateLimiter } from './adapters/dynamo-user-rate-limiter-adapter.ts';
import { readConfig } from './config.ts';
import { userRoutes } from './http.ts';
import type { UserRateLimiter } from './ports.ts';
import { tables } from './topology.ts';

const userRateConfig = z.object({
  [tables.state.envVar]: z.optional(z.string()),
  /** Requests per second each user's bucket refills with, and how many it holds (the burst). */
  USER_RATE_PER_SECOND: z._default(z.coerce.number().check(z.gt(0)), 20),
  USER_RATE_BURST: z._default(z.coerce.number().check(z.gte(1)), 100),
});
let limiter: UserRateLimiter | null | undefined;

/**
 * Each user's token bucket, shared by every Lambda through the state table; without a state
 * table configured, nothing is limited. Read on the first request, so a process that sets the
 * variables before serving (the local runtime, a benchmark) is heard.
 */
function userRateLimiter(): UserRateLimiter | null {
  if (limiter === undefined) {
    const config = readConfig(userRateConfig);
    limiter = config.STATE_TABLE ? new DynamoUserRateLimiter(config.USER_RATE_PER_SECOND, config.USER_RATE_BURST, config.STATE_TABLE) : null;
  }
  return limiter;
}

/** The wrapper every authenticated route is built on, limited per user by the DynamoDB buckets. */
export const userRoute = userRoutes(userRateLimiter);
