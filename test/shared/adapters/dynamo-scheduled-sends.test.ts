import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoNotificationRepository } from '../../../shared/adapters/dynamo-notification-repository-adapter.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { NotificationRecord } from '../../../shared/ports.ts';
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

const T0 = '2031-03-01T12:00:00.000Z';
const newUser = () => `user-${randomUUID()}`;

function apiSend(userId: string, overrides: Partial<NotificationRecord> = {}): NotificationRecord {
  const notificationId = newId();
  return {
    userId,
    notificationId,
    source: 'api',
    channel: 'sms',
    target: '+14155550123',
    status: 'scheduled',
    attempts: 0,
    createdAt: T0,
    updatedAt: T0,
    history: [{ status: 'scheduled', at: T0 }],
    body: 'hello',
    priority: 1,
    sendAt: '2031-03-01T13:00:00.000Z',
    dueAt: '2031-03-01T13:00:00.000Z',
    ...overrides,
  };
}

async function allDue(until: string): Promise<string[]> {
  const ids: string[] = [];
  for (let shard = 0; shard < repo.dueShards; shard++) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await repo.listDue(shard, until, { limit: 50, startKey });
      ids.push(...page.items.map((n) => n.notificationId));
      startKey = page.lastKey;
    } while (startKey);
  }
  return ids;
}

describe('DynamoNotificationRepository, API sends', () => {
  it("filters a user's notifications by recipient and by source through key conditions, and never another user's", async () => {
    const alice = newUser();
    const bob = newUser();
    const rule = pendingNotificationRecord({ userId: alice, target: '+14155550123', source: 'rule' });
    const legacy = pendingNotificationRecord({ userId: alice, target: '+14155550199' });
    const api = apiSend(alice);
    const other = apiSend(alice, { target: '+14155550188' });
    const bobs = apiSend(bob);
    for (const n of [rule, legacy, api, other, bobs]) await repo.createIfAbsent(n);

    const to = await repo.list(alice, { to: '+14155550123' }, { limit: 10 });
    expect(to.items.map((n) => n.notificationId).sort()).toEqual([rule.notificationId, api.notificationId].sort());
    const fromApi = await repo.list(alice, { source: 'api' }, { limit: 10 });
    expect(fromApi.items.map((n) => n.notificationId).sort()).toEqual([api.notificationId, other.notificationId].sort());
    const toAndSource = await repo.list(alice, { to: '+14155550123', source: 'rule' }, { limit: 10 });
    expect(toAndSource.items.map((n) => n.notificationId)).toEqual([rule.notificationId]);
    const scheduled = await repo.list(alice, { status: 'scheduled', source: 'api' }, { limit: 10 });
    expect(scheduled.items).toHaveLength(2);
    // Items are returned without their index keys.
    expect(Object.keys(to.items[0]!)).not.toContain('targetKey');
  });

  it('lists sends due by a time until their timer is set, soonest first', async () => {
    const userId = newUser();
    const soon = apiSend(userId, { dueAt: '2031-03-01T12:05:00.000Z', sendAt: '2031-03-01T12:05:00.000Z' });
    const later = apiSend(userId, { dueAt: '2031-03-01T14:00:00.000Z', sendAt: '2031-03-01T14:00:00.000Z' });
    const now = apiSend(userId, { status: 'pending', dueAt: T0, sendAt: undefined, history: [{ status: 'pending', at: T0 }] });
    for (const n of [soon, later, now]) await repo.createIfAbsent(n);

    const due = await allDue('2031-03-01T12:15:00.000Z');
    expect(due).toEqual(expect.arrayContaining([soon.notificationId, now.notificationId]));
    expect(due).not.toContain(later.notificationId);

    await repo.timerSet(userId, soon.notificationId, soon.dueAt!);
    await repo.timerSet(userId, now.notificationId, 'some other time');
    const after = await allDue('2031-03-01T12:15:00.000Z');
    expect(after).not.toContain(soon.notificationId);
    expect(after).toContain(now.notificationId);
  });

  it('promotes a scheduled send only at its current due time, and a reschedule puts it back among the due', async () => {
    const userId = newUser();
    const n = apiSend(userId);
    await repo.createIfAbsent(n);
    await repo.timerSet(userId, n.notificationId, n.dueAt!);

    expect(await repo.reschedule(userId, n.notificationId, '2031-03-01T12:10:00.000Z', T0)).toBe(true);
    expect(await allDue('2031-03-01T12:15:00.000Z')).toContain(n.notificationId);
    expect(await repo.promote(userId, n.notificationId, n.dueAt!, T0)).toBe(false);
    expect(await repo.promote(userId, n.notificationId, '2031-03-01T12:10:00.000Z', T0)).toBe(true);
    const pending = await repo.get(userId, n.notificationId);
    expect(pending).toMatchObject({ status: 'pending', sendAt: '2031-03-01T12:10:00.000Z' });
    expect(pending!.history.map((h) => h.status)).toEqual(['scheduled', 'pending']);
    expect(await allDue('2031-03-01T12:15:00.000Z')).not.toContain(n.notificationId);
    expect(await repo.reschedule(userId, n.notificationId, '2031-03-01T12:20:00.000Z', T0)).toBe(false);
  });

  it('promotes and claims a scheduled send in one write, only at its current due time, and a cancel then waits for the lease', async () => {
    const userId = newUser();
    const n = apiSend(userId);
    await repo.createIfAbsent(n);
    const now = Date.parse(T0);

    expect(await repo.promoteAndClaim(userId, n.notificationId, '2031-01-01T00:00:00.000Z', T0, now + 60_000)).toBeUndefined();
    const claimed = await repo.promoteAndClaim(userId, n.notificationId, n.dueAt!, T0, now + 60_000);
    expect(claimed).toMatchObject({ status: 'pending', claimExpiresAt: now + 60_000, attempts: 1 });
    expect(claimed!.history.map((h) => h.status)).toEqual(['scheduled', 'pending']);
    // A second copy of the timer finds it promoted, and another sender finds it claimed.
    expect(await repo.promoteAndClaim(userId, n.notificationId, n.dueAt!, T0, now + 60_000)).toBeUndefined();
    expect(await repo.claim(userId, n.notificationId, now, now + 60_000)).toBeUndefined();
    expect(await repo.cancel(userId, n.notificationId, T0, now)).toBe(false);
    expect(await allDue('2040-01-01T00:00:00.000Z')).not.toContain(n.notificationId);
    expect(await repo.get(userId, n.notificationId)).toMatchObject({ status: 'pending', claimExpiresAt: now + 60_000 });
  });

  it('moves a send held for quiet hours only while it is still due at the time its timer was set for', async () => {
    const userId = newUser();
    const n = apiSend(userId);
    await repo.createIfAbsent(n);
    expect(await repo.reschedule(userId, n.notificationId, '2031-03-01T12:30:00.000Z', T0, '2031-01-01T00:00:00.000Z')).toBe(false);
    expect(await repo.reschedule(userId, n.notificationId, '2031-03-01T12:30:00.000Z', T0, n.dueAt)).toBe(true);
    expect(await repo.get(userId, n.notificationId)).toMatchObject({ status: 'scheduled', dueAt: '2031-03-01T12:30:00.000Z' });
    // The timer set for the old time no longer matches.
    expect(await repo.reschedule(userId, n.notificationId, '2031-03-01T13:00:00.000Z', T0, n.dueAt)).toBe(false);
  });

  it('cancels a scheduled or pending send unless a sender holds its claim, and a canceled one is never claimed', async () => {
    const userId = newUser();
    const scheduled = apiSend(userId);
    const claimed = apiSend(userId, { status: 'pending', history: [{ status: 'pending', at: T0 }] });
    for (const n of [scheduled, claimed]) await repo.createIfAbsent(n);
    const now = Date.parse(T0);

    expect(await repo.claim(userId, claimed.notificationId, now, now + 60_000)).toBeDefined();
    expect(await repo.cancel(userId, claimed.notificationId, T0, now)).toBe(false);
    expect(await repo.cancel(userId, scheduled.notificationId, T0, now)).toBe(true);
    expect(await repo.cancel(userId, scheduled.notificationId, T0, now)).toBe(false);
    expect(await repo.promote(userId, scheduled.notificationId, scheduled.dueAt!, T0)).toBe(false);
    expect(await repo.claim(userId, scheduled.notificationId, now, now + 60_000)).toBeUndefined();
    expect(await repo.get(userId, scheduled.notificationId)).toMatchObject({ status: 'canceled' });
    expect(await allDue('2040-01-01T00:00:00.000Z')).not.toContain(scheduled.notificationId);
    // Once the lease has run out, the cancel wins.
    expect(await repo.cancel(userId, claimed.notificationId, T0, now + 60_001)).toBe(true);
  });

  it('lets an opt-out find and suppress scheduled sends as well as pending ones', async () => {
    const userId = newUser();
    const target = `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
    const n = apiSend(userId, { target });
    await repo.createIfAbsent(n);
    const found = await repo.listPendingTo(target, { limit: 10 });
    expect(found.items.map((i) => i.notificationId)).toContain(n.notificationId);
    expect(await repo.suppressPending(userId, n.notificationId, { status: 'suppressed', at: T0, errorCode: '21610' }, Date.parse(T0))).toBe(true);
    expect((await repo.listPendingTo(target, { limit: 10 })).items.map((i) => i.notificationId)).not.toContain(n.notificationId);
  });
});
