import * as z from 'zod/mini';
import { DynamoNotificationFeed } from '../shared/adapters/dynamo-notification-feed-adapter.ts';
import { DynamoLongPollSlots } from '../shared/adapters/dynamo-user-rate-limiter-adapter.ts';
import { readConfig } from '../shared/config.ts';
import { cursorKey, openCursor, sealCursor } from '../shared/cursor.ts';
import { presentNotification } from '../shared/domain/files.ts';
import { waitForNotifications } from '../shared/domain/notification-feed.ts';
import { InvalidCursorError, TooManyRequestsError } from '../shared/errors.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { feedPosition, longpollQuery } from '../shared/schemas/longpoll.schema.ts';
import { tables } from '../shared/topology.ts';

const feed = new DynamoNotificationFeed();
const config = readConfig(
  z.object({
    [tables.state.envVar]: z.optional(z.string()),
    /** Long polls one user may hold open at once. */
    LONGPOLL_MAX_PER_USER: z._default(z.coerce.number().check(z.int(), z.gte(1)), 5),
  }),
);
const slots = config.STATE_TABLE ? new DynamoLongPollSlots(config.LONGPOLL_MAX_PER_USER, config.STATE_TABLE) : undefined;
/** Time kept back from the function's timeout to answer after the wait. */
const ANSWER_MARGIN_MS = 2_000;

export const handler = userRoute({ query: longpollQuery }, async ({ userId, query, context }) => {
  const key = await cursorKey();
  const binding = { userId, query: 'notifications/longpoll' };
  let position: { at: string; notificationId?: string } = { at: new Date().toISOString() };
  if (query.since) {
    const opened = feedPosition.safeParse(openCursor(key, query.since, binding));
    if (!opened.success) throw new InvalidCursorError();
    position = opened.data;
  }
  const waitMs = Math.max(0, Math.min(query.timeout * 1000, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS));
  // The lease outlives the function's timeout, so a poll that dies frees its slot soon after.
  const slot = slots ? await slots.acquire(userId, context.getRemainingTimeInMillis() + ANSWER_MARGIN_MS) : undefined;
  if (slots && slot === undefined) {
    throw new TooManyRequestsError(`At most ${config.LONGPOLL_MAX_PER_USER} long polls may be open at once per user; wait for one to answer.`, 1);
  }
  try {
    const result = await waitForNotifications({ feed }, userId, position, { waitMs, limit: query.limit });
    return json(200, { items: result.items.map(presentNotification), cursor: sealCursor(key, { ...result.position }, binding) });
  } finally {
    if (slots && slot !== undefined) await slots.release(userId, slot);
  }
});
