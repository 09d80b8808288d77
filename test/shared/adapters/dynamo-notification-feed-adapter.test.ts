import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoNotificationFeed } from '../../../shared/adapters/dynamo-notification-feed-adapter.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { FeedPosition, NotificationRecord } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';
import { pendingNotificationRecord } from '../../support/fixtures.ts';

let env: TestEngines;
let feed: DynamoNotificationFeed;

beforeAll(async () => {
  env = await startTestEngines();
  feed = new DynamoNotificationFeed(env.resources.tableNames.notifications, env.documentClient);
});

afterAll(async () => {
  await env?.stop();
});

function notification(userId: string, fileId: string, createdAt: string): NotificationRecord {
  return pendingNotificationRecord({ userId, fileId, createdAt });
}

async function store(...records: NotificationRecord[]) {
  for (const n of records) await env.adapters.notifications.createIfAbsent(n);
  return records;
}

const FAR = '2100-01-01T00:00:00.000Z';

describe('DynamoNotificationFeed', () => {
  it('reads a user’s notifications in creation order, not in key (file id) order', async () => {
    const userId = `feed-${randomUUID()}`;
    // The later upload's notification is created first: creation order differs from id order.
    const [early, late] = [newId(), newId()];
    const [a, b] = await store(notification(userId, late, '2026-01-01T00:00:01.000Z'), notification(userId, early, '2026-01-01T00:00:02.000Z'));
    const items = await feed.readAfter(userId, { at: '2026-01-01T00:00:00.000Z' }, FAR, 10);
    expect(items.map((n) => n.notificationId)).toEqual([a!.notificationId, b!.notificationId]);
    expect(items[0]).toEqual(a);
  });

  it('starts strictly after a time position and stops at the horizon, inclusive', async () => {
    const userId = `bounds-${randomUUID()}`;
    const [at1, at2, at3] = await store(
      notification(userId, newId(), '2026-01-01T00:00:01.000Z'),
      notification(userId, newId(), '2026-01-01T00:00:02.000Z'),
      notification(userId, newId(), '2026-01-01T00:00:03.000Z'),
    );
    const items = await feed.readAfter(userId, { at: at1!.createdAt }, '2026-01-01T00:00:02.000Z', 10);
    expect(items.map((n) => n.notificationId)).toEqual([at2!.notificationId]);
    const rest = await feed.readAfter(userId, { at: at2!.createdAt }, FAR, 10);
    expect(rest.map((n) => n.notificationId)).toEqual([at3!.notificationId]);
  });

  it('pages through one upload’s notifications, which share a createdAt, without skipping or repeating', async () => {
    const userId = `group-${randomUUID()}`;
    const fileId = newId();
    const group = await store(...Array.from({ length: 7 }, () => notification(userId, fileId, '2026-01-01T00:00:05.000Z')));
    const seen: string[] = [];
    let position: FeedPosition = { at: '2026-01-01T00:00:00.000Z' };
    for (;;) {
      const items = await feed.readAfter(userId, position, FAR, 3);
      if (items.length === 0) break;
      seen.push(...items.map((n) => n.notificationId));
      const last = items[items.length - 1]!;
      position = { at: last.createdAt, notificationId: last.notificationId };
    }
    // Within one createdAt the index keeps its own stable order; what matters is each exactly once.
    expect(seen).toHaveLength(group.length);
    expect([...seen].sort()).toEqual(group.map((n) => n.notificationId).sort());
  });

  it('reads nothing, and asks nothing, when the position is past the horizon', async () => {
    const userId = `none-${randomUUID()}`;
    expect(await feed.readAfter(userId, { at: '2026-01-01T00:00:10.000Z' }, '2026-01-01T00:00:09.000Z', 10)).toEqual([]);
  });

  it('never reads another user’s notifications', async () => {
    const owner = `owner-${randomUUID()}`;
    await store(notification(owner, newId(), '2026-01-01T00:00:01.000Z'));
    expect(await feed.readAfter(`other-${randomUUID()}`, { at: '2000-01-01T00:00:00.000Z' }, FAR, 10)).toEqual([]);
  });
});
