import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canAdvance, notificationStatuses, type NotificationStatus } from '../../../shared/domain/notification-status.ts';
import type { NotificationRecord, NotificationRepository } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';
import { FakeNotificationRepository } from '../../support/fake-ports.ts';

/**
 * One contract, two implementations: what the domain tests assume of the fake must hold of the
 * DynamoDB adapter on the embedded engine, and the other way round.
 */
let env: TestEngines;
beforeAll(async () => {
  env = await startTestEngines();
});
afterAll(async () => {
  await env?.stop();
});

const implementations: Array<[string, () => NotificationRepository]> = [
  ['the fake', () => new FakeNotificationRepository()],
  ['the DynamoDB adapter', () => env.adapters.notifications],
];

const AT = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-01T00:01:00.000Z';

function record(status: NotificationStatus): NotificationRecord {
  const userId = `user-${randomUUID()}`;
  return {
    userId,
    notificationId: `n-${randomUUID()}`,
    channel: 'sms',
    target: '+14155550100',
    status,
    attempts: 1,
    createdAt: AT,
    updatedAt: AT,
    history: [{ status, at: AT }],
    body: 'Hello',
  } as NotificationRecord;
}

const pairs = notificationStatuses
  .filter((to) => to !== 'canceled')
  .flatMap((from) => notificationStatuses.filter((to) => to !== 'canceled').map((to) => [from, to] as const));

describe.each(implementations)('NotificationRepository contract: %s', (_name, make) => {
  it('moves a status forward only, by the one forward-only rule, and records each change once', async () => {
    const repo = make();
    for (const [from, to] of pairs) {
      const n = record(from);
      await repo.createIfAbsent(n);
      const applied = await repo.advance(n.userId, n.notificationId, { status: to, at: LATER });
      const stored = (await repo.get(n.userId, n.notificationId))!;
      const context = `${from} → ${to}`;
      expect(applied, context).toBe(canAdvance(from, to));
      expect(stored.status, context).toBe(applied ? to : from);
      expect(
        stored.history.map((h) => h.status),
        context,
      ).toEqual(applied ? [from, to] : [from]);
    }
  });

  it('creates once: a second create keeps the first record', async () => {
    const repo = make();
    const n = record('pending');
    await repo.createIfAbsent(n);
    const again = await repo.createIfAbsent({ ...n, body: 'Other' });
    expect(again.body).toBe('Hello');
    expect((await repo.get(n.userId, n.notificationId))?.body).toBe('Hello');
  });

  it('answers nothing for a notification it does not hold, and changes nothing', async () => {
    const repo = make();
    expect(await repo.get('nobody', 'nothing')).toBeUndefined();
    expect(await repo.advance('nobody', 'nothing', { status: 'queued', at: LATER })).toBe(false);
    expect(await repo.get('nobody', 'nothing')).toBeUndefined();
  });

  it('lets one sender claim a pending notification, and none claim it again while the lease holds', async () => {
    const repo = make();
    const n = record('pending');
    await repo.createIfAbsent(n);
    const claimed = await repo.claim(n.userId, n.notificationId, 1_000, 61_000);
    expect(claimed?.notificationId).toBe(n.notificationId);
    expect(await repo.claim(n.userId, n.notificationId, 2_000, 62_000)).toBeUndefined();
    const queued = record('queued');
    await repo.createIfAbsent(queued);
    expect(await repo.claim(queued.userId, queued.notificationId, 1_000, 61_000)).toBeUndefined();
  });
});
