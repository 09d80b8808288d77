import type { FeedPosition, NotificationFeed, NotificationRecord } from '../ports.ts';

/**
 * How long after its `createdAt` a notification is taken to be readable in the feed. One
 * upload's notifications share a `createdAt` but are written one by one, and the index behind
 * the feed is eventually consistent; the feed hands out only what is at least this old, so a
 * late write cannot land behind a position already handed out.
 */
export const SETTLE_MS = 3_000;
/** The longest a long poll waits: API Gateway's HTTP API gives an integration 30 s in all. */
export const MAX_WAIT_SECONDS = 25;
/** Pauses between reads while waiting: quick at first, then once a second. */
const POLL_INTERVALS_MS = [250, 500];
const POLL_INTERVAL_MS = 1_000;

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Answers with the notifications created after `position` as soon as there are any, or with
 * none once `waitMs` has passed, reading the feed at a modest pace meanwhile. The position it
 * returns is where the next call should start: after the last notification handed out, or
 * after everything up to the settled horizon when there was nothing (or nothing more).
 */
export async function waitForNotifications(
  deps: { feed: NotificationFeed; clock?: Clock },
  userId: string,
  position: FeedPosition,
  opts: { waitMs: number; limit: number },
): Promise<{ items: NotificationRecord[]; position: FeedPosition }> {
  const clock = deps.clock ?? realClock;
  const deadline = clock.now() + opts.waitMs;
  for (let round = 0; ; round++) {
    const settled = new Date(clock.now() - SETTLE_MS).toISOString();
    const items = await deps.feed.readAfter(userId, position, settled, opts.limit);
    if (items.length >= opts.limit) {
      const last = items[items.length - 1]!;
      return { items, position: { at: last.createdAt, notificationId: last.notificationId } };
    }
    // Everything up to `settled` has now been read.
    if (settled > position.at) position = { at: settled };
    const left = deadline - clock.now();
    if (items.length > 0 || left <= 0) return { items, position };
    await clock.sleep(Math.min(left, POLL_INTERVALS_MS[round] ?? POLL_INTERVAL_MS));
  }
}
