import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoNotificationRepository } from '../../../shared/adapters/dynamo-notification-repository-adapter.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { NotificationRecord, Page } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';
import { pendingNotificationRecord } from '../../support/fixtures.ts';

let env: TestEngines;
let repo: DynamoNotificationRepository;

beforeAll(async () => {
  env = await startTestEngines();
  repo = env.adapters.notifications;
});

afterAll(async () => {
  await env?.stop();
});

const CREATED_AT = '2026-01-01T00:00:00.000Z';
const newUser = () => `user-${randomUUID()}`;

function pendingNotification(userId: string, fileId = newId(), ruleId = newId(), overrides: Partial<NotificationRecord> = {}): NotificationRecord {
  return pendingNotificationRecord({
    userId,
    fileId,
    ruleId,
    createdAt: CREATED_AT,
    file: { fileName: 'report.pdf', sizeBytes: 2048, tags: ['finance'] },
    ...overrides,
  });
}

/** Every raw item in the user's partition, keys and all, as DynamoDB holds them. */
async function rawItems(userId: string) {
  const out = await env.documentClient.send(
    new QueryCommand({
      TableName: env.resources.tableNames.notifications,
      KeyConditionExpression: 'pk = :u',
      ExpressionAttributeValues: { ':u': userId },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

async function allPages(fetchPage: (startKey?: Record<string, unknown>) => Promise<Page<NotificationRecord>>) {
  const pages: NotificationRecord[][] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await fetchPage(startKey);
    pages.push(page.items);
    startKey = page.lastKey;
  } while (startKey && pages.length < 50);
  return pages;
}

const at = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
const idsOf = (items: NotificationRecord[]) => items.map((n) => n.notificationId);

describe('DynamoNotificationRepository.createIfAbsent', () => {
  it('writes a notification once and answers a second writer with the first one', async () => {
    const userId = newUser();
    const first = pendingNotification(userId);
    const second: NotificationRecord = { ...first, target: '+14155550199', status: 'queued', attempts: 7 };

    expect(await repo.createIfAbsent(first)).toEqual(first);
    expect(await repo.createIfAbsent(second)).toEqual(first);

    expect(await rawItems(userId)).toHaveLength(1);
    expect(await repo.get(userId, first.notificationId)).toEqual(first);
  });

  it('returns a notification without its key, index or rank attributes', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);
    const stored = await repo.get(userId, n.notificationId);
    for (const internal of ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'statusRank']) expect(stored).not.toHaveProperty(internal);
  });

  it('finds nothing for another user with the same notification id', async () => {
    const n = pendingNotification(newUser());
    await repo.createIfAbsent(n);
    expect(await repo.get(newUser(), n.notificationId)).toBeUndefined();
  });
});

describe('DynamoNotificationRepository.claim', () => {
  it('grants one claim at a time, grants it again once the lease has expired, and counts each claim as an attempt', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);

    const first = await repo.claim(userId, n.notificationId, 1_000, 61_000);
    expect(first).toMatchObject({ notificationId: n.notificationId, status: 'pending', attempts: 1, claimExpiresAt: 61_000 });

    expect(await repo.claim(userId, n.notificationId, 2_000, 62_000)).toBeUndefined();
    expect(await repo.claim(userId, n.notificationId, 60_999, 120_999)).toBeUndefined();

    const afterExpiry = await repo.claim(userId, n.notificationId, 61_001, 121_001);
    expect(afterExpiry).toMatchObject({ attempts: 2, claimExpiresAt: 121_001 });
    expect(await repo.get(userId, n.notificationId)).toMatchObject({ attempts: 2, claimExpiresAt: 121_001 });
  });

  it('grants no claim on a notification that is no longer pending', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);
    await repo.advance(userId, n.notificationId, { status: 'queued', at: at(1), messageSid: `SM${'1'.repeat(32)}` });

    expect(await repo.claim(userId, n.notificationId, 1_000, 61_000)).toBeUndefined();
    expect((await repo.get(userId, n.notificationId))?.attempts).toBe(0);
  });

  it('grants no claim on a missing notification, and does not create one', async () => {
    const userId = newUser();
    expect(await repo.claim(userId, 'no-such-notification', 1_000, 61_000)).toBeUndefined();
    expect(await rawItems(userId)).toEqual([]);
  });
});

describe('DynamoNotificationRepository.unclaim', () => {
  it('gives back a claim that never reached a send, uncounting its attempt', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);
    await repo.claim(userId, n.notificationId, 1_000, 61_000);

    await repo.unclaim(userId, n.notificationId, 61_000);

    const back = await repo.get(userId, n.notificationId);
    expect(back).not.toHaveProperty('claimExpiresAt');
    expect(back).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await repo.claim(userId, n.notificationId, 2_000, 62_000)).toMatchObject({ attempts: 1 });
  });

  it('leaves alone a claim another sender took after this one expired', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);
    await repo.claim(userId, n.notificationId, 1_000, 61_000);
    await repo.claim(userId, n.notificationId, 61_001, 121_001);

    await repo.unclaim(userId, n.notificationId, 61_000);

    expect(await repo.get(userId, n.notificationId)).toMatchObject({ attempts: 2, claimExpiresAt: 121_001 });
  });
});

describe('DynamoNotificationRepository.release', () => {
  it('clears the claim so another sender may claim at once, keeping the last error', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);
    await repo.claim(userId, n.notificationId, 1_000, 61_000);

    await repo.release(userId, n.notificationId, { errorCode: '20429', errorMessage: 'Too Many Requests' });

    const released = await repo.get(userId, n.notificationId);
    expect(released).not.toHaveProperty('claimExpiresAt');
    expect(released).toMatchObject({ status: 'pending', attempts: 1, errorCode: '20429', errorMessage: 'Too Many Requests' });
    expect(await repo.claim(userId, n.notificationId, 2_000, 62_000)).toMatchObject({ attempts: 2, claimExpiresAt: 62_000 });
  });

  it('does nothing for a missing notification', async () => {
    const userId = newUser();
    await expect(repo.release(userId, 'no-such-notification', { errorCode: 'TIMEOUT' })).resolves.toBeUndefined();
    expect(await rawItems(userId)).toEqual([]);
  });
});

describe('DynamoNotificationRepository.advance', () => {
  it('moves the status forward only, appending one history entry per applied change', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);

    expect(await repo.advance(userId, n.notificationId, { status: 'queued', at: at(1) })).toBe(true);
    expect(await repo.advance(userId, n.notificationId, { status: 'sent', at: at(2) })).toBe(true);
    expect(await repo.advance(userId, n.notificationId, { status: 'queued', at: at(3) })).toBe(false);
    expect(await repo.advance(userId, n.notificationId, { status: 'sent', at: at(4) })).toBe(false);
    expect(await repo.advance(userId, n.notificationId, { status: 'pending', at: at(5) })).toBe(false);

    const stored = await repo.get(userId, n.notificationId);
    expect(stored).toMatchObject({ status: 'sent', updatedAt: at(2) });
    expect(stored?.history).toEqual([
      { status: 'pending', at: CREATED_AT },
      { status: 'queued', at: at(1) },
      { status: 'sent', at: at(2) },
    ]);
  });

  it('lets the first final outcome stand: failed after delivered is refused', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);

    expect(await repo.advance(userId, n.notificationId, { status: 'delivered', at: at(1) })).toBe(true);
    expect(await repo.advance(userId, n.notificationId, { status: 'failed', at: at(2), errorCode: '30003', errorMessage: 'Unreachable' })).toBe(false);
    expect(await repo.advance(userId, n.notificationId, { status: 'undelivered', at: at(3) })).toBe(false);

    const stored = await repo.get(userId, n.notificationId);
    expect(stored?.status).toBe('delivered');
    expect(stored).not.toHaveProperty('errorCode');
    expect(stored?.history.map((h) => h.status)).toEqual(['pending', 'delivered']);
  });

  it('accepts read only from delivered, and only once', async () => {
    const userId = newUser();
    const sentOnly = pendingNotification(userId);
    const delivered = pendingNotification(userId);
    await repo.createIfAbsent(sentOnly);
    await repo.createIfAbsent(delivered);
    await repo.advance(userId, sentOnly.notificationId, { status: 'sent', at: at(1) });
    await repo.advance(userId, delivered.notificationId, { status: 'delivered', at: at(1) });

    expect(await repo.advance(userId, sentOnly.notificationId, { status: 'read', at: at(2) })).toBe(false);
    expect(await repo.advance(userId, delivered.notificationId, { status: 'read', at: at(2) })).toBe(true);
    expect(await repo.advance(userId, delivered.notificationId, { status: 'read', at: at(3) })).toBe(false);

    expect((await repo.get(userId, sentOnly.notificationId))?.status).toBe('sent');
    const read = await repo.get(userId, delivered.notificationId);
    expect(read?.status).toBe('read');
    expect(read?.history.map((h) => h.status)).toEqual(['pending', 'delivered', 'read']);
  });

  it('stores the SID and error given with a change, clears any claim, and records the error code in history', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);
    await repo.claim(userId, n.notificationId, 1_000, 61_000);

    const sid = `SM${'2'.repeat(32)}`;
    expect(await repo.advance(userId, n.notificationId, { status: 'queued', at: at(1), messageSid: sid })).toBe(true);
    expect(await repo.advance(userId, n.notificationId, { status: 'failed', at: at(2), errorCode: '21211', errorMessage: 'Invalid To' })).toBe(true);

    const stored = await repo.get(userId, n.notificationId);
    expect(stored).toMatchObject({ status: 'failed', messageSid: sid, errorCode: '21211', errorMessage: 'Invalid To', attempts: 1 });
    expect(stored).not.toHaveProperty('claimExpiresAt');
    expect(stored?.history.at(-1)).toEqual({ status: 'failed', at: at(2), errorCode: '21211' });
  });

  it('refuses a change to a missing notification, and does not create one', async () => {
    const userId = newUser();
    expect(await repo.advance(userId, 'no-such-notification', { status: 'delivered', at: at(1) })).toBe(false);
    expect(await rawItems(userId)).toEqual([]);
  });
});

describe('DynamoNotificationRepository.recordMessageSid and findByMessageSid', () => {
  it('finds the notification a SID was recorded on, through the byMessageSid index', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);
    await repo.advance(userId, n.notificationId, { status: 'delivered', at: at(1) });
    const sid = `SM${randomUUID().replace(/-/g, '')}`;

    await repo.recordMessageSid(userId, n.notificationId, sid);

    expect(await repo.findByMessageSid(sid)).toEqual({ userId, notificationId: n.notificationId });
    const stored = await repo.get(userId, n.notificationId);
    expect(stored).toMatchObject({ messageSid: sid, status: 'delivered' });
    expect(stored?.history.map((h) => h.status)).toEqual(['pending', 'delivered']);
  });

  it('finds the notification whose status change carried the SID', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    await repo.advance(userId, n.notificationId, { status: 'queued', at: at(1), messageSid: sid });

    expect(await repo.findByMessageSid(sid)).toEqual({ userId, notificationId: n.notificationId });
  });

  it('finds nothing for a SID no notification holds', async () => {
    expect(await repo.findByMessageSid(`SM${'f'.repeat(32)}`)).toBeUndefined();
  });

  it('clears the claim when recording the SID', async () => {
    const userId = newUser();
    const n = pendingNotification(userId);
    await repo.createIfAbsent(n);
    await repo.claim(userId, n.notificationId, 1_000, 61_000);
    await repo.recordMessageSid(userId, n.notificationId, `SM${'3'.repeat(32)}`);
    expect(await repo.get(userId, n.notificationId)).not.toHaveProperty('claimExpiresAt');
  });

  it('refuses to record a SID on a missing notification, and does not create one', async () => {
    const userId = newUser();
    await expect(repo.recordMessageSid(userId, 'no-such-notification', `SM${'4'.repeat(32)}`)).rejects.toThrow();
    expect(await rawItems(userId)).toEqual([]);
  });
});

describe('DynamoNotificationRepository.list', () => {
  /**
   * Three uploads, in time order, each matching two rules: six notifications for `userId`, and
   * one for another user that must never show. The newest upload's first notification is delivered.
   */
  async function seed() {
    const userId = newUser();
    const ruleA = newId();
    const ruleB = newId();
    const fileIds = [newId(), newId(), newId()];
    const created: NotificationRecord[] = [];
    for (const fileId of fileIds) {
      for (const ruleId of [ruleA, ruleB]) {
        const n = pendingNotification(userId, fileId, ruleId);
        await repo.createIfAbsent(n);
        created.push(n);
      }
    }
    await repo.createIfAbsent(pendingNotification(newUser(), fileIds[2], ruleA));
    const newestFirst = [...created].sort((a, b) => (a.notificationId < b.notificationId ? 1 : -1));
    return { userId, fileIds, created, newestFirst };
  }

  it('lists the user’s notifications newest first, and no one else’s', async () => {
    const { userId, newestFirst } = await seed();
    const page = await repo.list(userId, {}, { limit: 100 });
    expect(idsOf(page.items)).toEqual(idsOf(newestFirst));
    expect(page.items.every((n) => n.userId === userId)).toBe(true);
    expect(page.lastKey).toBeUndefined();
  });

  it('pages with lastKey, each notification once, in the same order', async () => {
    const { userId, newestFirst } = await seed();
    const pages = await allPages((startKey) => repo.list(userId, {}, { limit: 4, startKey }));
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    expect(idsOf(pages.flat())).toEqual(idsOf(newestFirst));
  });

  it('filters by file through the id prefix', async () => {
    const { userId, fileIds, newestFirst } = await seed();
    const page = await repo.list(userId, { fileId: fileIds[1] }, { limit: 100 });
    expect(idsOf(page.items)).toEqual(idsOf(newestFirst.filter((n) => n.fileId === fileIds[1])));
    expect(page.items).toHaveLength(2);
  });

  it('filters by status through the byStatus index, newest first, following each change', async () => {
    const { userId, fileIds, created, newestFirst } = await seed();
    const [older, newer] = [created[0]!, created[2]!];
    await repo.advance(userId, older.notificationId, { status: 'delivered', at: at(1) });
    await repo.advance(userId, newer.notificationId, { status: 'queued', at: at(1) });
    await repo.advance(userId, newer.notificationId, { status: 'delivered', at: at(2) });

    const delivered = await repo.list(userId, { status: 'delivered' }, { limit: 100 });
    expect(idsOf(delivered.items)).toEqual([newer.notificationId, older.notificationId]);
    expect(delivered.items.every((n) => n.status === 'delivered')).toBe(true);

    const pending = await repo.list(userId, { status: 'pending' }, { limit: 100 });
    expect(idsOf(pending.items)).toEqual(idsOf(newestFirst.filter((n) => n !== older && n !== newer)));
    expect((await repo.list(userId, { status: 'queued' }, { limit: 100 })).items).toEqual([]);

    const deliveredForFirstFile = await repo.list(userId, { status: 'delivered', fileId: fileIds[0] }, { limit: 100 });
    expect(idsOf(deliveredForFirstFile.items)).toEqual([older.notificationId]);
  });

  it('pages a status filter with lastKey', async () => {
    const { userId, newestFirst } = await seed();
    const pages = await allPages((startKey) => repo.list(userId, { status: 'pending' }, { limit: 4, startKey }));
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    expect(idsOf(pages.flat())).toEqual(idsOf(newestFirst));
  });

  it('lists every notification of one file', async () => {
    const { userId, fileIds, created } = await seed();
    const forFile = await repo.listForFile(userId, fileIds[0]!);
    expect(idsOf(forFile).sort()).toEqual(idsOf(created.filter((n) => n.fileId === fileIds[0])).sort());
  });
});
