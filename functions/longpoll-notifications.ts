import { DynamoNotificationFeed } from '../shared/adapters/dynamo-notification-feed-adapter.ts';
import { cursorKey, openCursor, sealCursor } from '../shared/cursor.ts';
import { presentNotification } from '../shared/domain/files.ts';
import { waitForNotifications } from '../shared/domain/notification-feed.ts';
import { InvalidCursorError } from '../shared/errors.ts';
import { json, userRoute } from '../shared/http.ts';
import { feedPosition, longpollQuery } from '../shared/schemas/longpoll.schema.ts';

const feed = new DynamoNotificationFeed();
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
  const result = await waitForNotifications({ feed }, userId, position, { waitMs, limit: query.limit });
  return json(200, { items: result.items.map(presentNotification), cursor: sealCursor(key, { ...result.position }, binding) });
});
