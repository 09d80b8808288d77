import * as z from 'zod/mini';
import { MAX_WAIT_SECONDS } from '../domain/notification-feed.ts';
import { pageQuery } from '../http.ts';
import '../validation.ts';

/** GET /notifications/longpoll. */
export const longpollQuery = z.strictObject({
  since: pageQuery.cursor,
  timeout: z._default(
    z.coerce
      .number({ error: `timeout must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}.` })
      .check(
        z.refine(Number.isInteger, 'timeout must be a whole number of seconds.'),
        z.gte(0, 'timeout must not be negative.'),
        z.lte(MAX_WAIT_SECONDS, `timeout must be at most ${MAX_WAIT_SECONDS} seconds (the API answers within 30).`),
      ),
    20,
  ),
  limit: pageQuery.limit,
});

/** What a long-poll cursor holds once its seal is checked: a FeedPosition and nothing else. */
export const feedPosition = z.strictObject({
  at: z.iso.datetime({ precision: 3 }),
  notificationId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});
