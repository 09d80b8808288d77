import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoNotificationRepository } from '../../../shared/adapters/dynamo-notification-repository-adapter.ts';
import { newId, notificationIdFor } from '../../../shared/domain/ids.ts';
import { statusRank, type NotificationStatus } from '../../../shared/domain/notification-status.ts';
import { applyStatusCallback, type CallbackResult } from '../../../shared/domain/status-callback.ts';
import type { NotificationRecord, StatusCallback } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';
import { seededRandom } from '../../../lib/bench/stats.ts';

let env: TestEngines;
let repo: DynamoNotificationRepository;

beforeAll(async () => {
  env = await startTestEngines();
  repo = env.adapters.notifications;
});

afterAll(async () => {
  await env?.stop();
});

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

type Callback = { status: string; errorCode?: string };

/** The callbacks Twilio may send for one message, each outcome as Twilio reports it. */
const lifecycles: Array<{ path: Callback[]; final: NotificationStatus; errorCode?: string }> = [
  { path: [{ status: 'queued' }, { status: 'sending' }, { status: 'sent' }, { status: 'delivered' }], final: 'delivered' },
  { path: [{ status: 'queued' }, { status: 'sent' }, { status: 'delivered' }, { status: 'read' }], final: 'read' },
  {
    path: [{ status: 'queued' }, { status: 'sending' }, { status: 'sent' }, { status: 'undelivered', errorCode: '30003' }],
    final: 'undelivered',
    errorCode: '30003',
  },
  { path: [{ status: 'queued' }, { status: 'failed', errorCode: '30008' }], final: 'failed', errorCode: '30008' },
];

/** A shuffled sequence holding each callback of the lifecycle at least once, with 0–6 duplicates. */
function sequenceFor(path: Callback[], random: () => number): Callback[] {
  const duplicates = Array.from({ length: Math.floor(random() * 7) }, () => path[Math.floor(random() * path.length)]!);
  return shuffle([...path, ...duplicates], random);
}

const AT = '2026-01-01T00:00:00.000Z';

/** A notification as the sender leaves it: either pending with no SID yet, or queued with its SID. */
async function notification(state: 'pending' | 'queued', messageSid: string, target = '+14155550100'): Promise<NotificationRecord> {
  const userId = `user-${randomUUID()}`;
  const fileId = newId();
  const ruleId = newId();
  const n: NotificationRecord = {
    userId,
    notificationId: notificationIdFor(fileId, ruleId),
    fileId,
    ruleId,
    channel: 'sms',
    target,
    status: 'pending',
    attempts: 1,
    createdAt: AT,
    updatedAt: AT,
    history: [{ status: 'pending', at: AT }],
    file: {
      fileName: 'a.pdf',
      fileType: 'pdf',
      contentType: 'application/pdf',
      sizeBytes: 1,
      tags: [],
      uploadedAt: AT,
      objectKey: `uploads/${userId}/${fileId}`,
    },
  };
  await repo.createIfAbsent(n);
  if (state === 'queued') await repo.advance(userId, n.notificationId, { status: 'queued', at: AT, messageSid });
  return (await repo.get(userId, n.notificationId))!;
}

/** What must hold after any order of a lifecycle's callbacks, however duplicated. */
function expectConverged(n: NotificationRecord, lifecycle: (typeof lifecycles)[number], sequence: Callback[], results: CallbackResult[], context: string) {
  expect(n.status, context).toBe(lifecycle.final);
  const statuses = n.history.map((h) => h.status);
  // One history entry per applied status: none repeats, and ranks only rise.
  expect(new Set(statuses).size, context).toBe(statuses.length);
  for (let i = 1; i < statuses.length; i++) {
    const [before, after] = [statuses[i - 1]!, statuses[i]!];
    expect(after === 'read' ? before === 'delivered' : statusRank[after] > statusRank[before], `${context}: ${before} → ${after}`).toBe(true);
  }
  // Every entry came from a callback (or, for `delivered`, from a read receipt that implies it).
  const sent = new Set(sequence.map((c) => c.status));
  for (const status of statuses.slice(1)) expect(sent.has(status) || (status === 'delivered' && sent.has('read')), context).toBe(true);
  expect(statuses.at(-1), context).toBe(lifecycle.final);
  if (lifecycle.final === 'read') expect(statuses.at(-2), context).toBe('delivered');
  expect(
    results.every((r) => r === 'applied' || r === 'stale'),
    context,
  ).toBe(true);
  expect(results.filter((r) => r === 'applied').length, context).toBeGreaterThan(0);
  if (lifecycle.errorCode) {
    expect(n.errorCode, context).toBe(lifecycle.errorCode);
    expect(n.errorMessage, context).toMatch(/\w+ \w+/);
    expect(n.errorMessage, context).not.toContain(lifecycle.errorCode);
  } else {
    expect(n.errorCode, context).toBeUndefined();
  }
}

describe('status callbacks through the DynamoDB adapter, in any order', () => {
  it('converge on the highest status for 100 generated shuffled sequences with duplicates, applied one by one', async () => {
    const seed = 5_2026;
    const random = seededRandom(seed);
    for (let run = 0; run < 100; run++) {
      const lifecycle = lifecycles[run % lifecycles.length]!;
      const sequence = sequenceFor(lifecycle.path, random);
      const messageSid = `SM${randomUUID().replace(/-/g, '')}`;
      // Half the runs name the notification in the callback URL before any SID is stored; half find it by SID.
      const byRef = run % 2 === 0;
      const n = await notification(byRef ? 'pending' : 'queued', messageSid);
      const results: CallbackResult[] = [];
      for (const [i, cb] of sequence.entries()) {
        const callback: StatusCallback = {
          messageSid,
          messageStatus: cb.status,
          ...(cb.errorCode ? { errorCode: cb.errorCode } : {}),
          ...(byRef ? { ref: { userId: n.userId, notificationId: n.notificationId } } : {}),
        };
        results.push(await applyStatusCallback(repo, callback, () => new Date(Date.parse(AT) + (i + 1) * 1000)));
      }
      const stored = (await repo.get(n.userId, n.notificationId))!;
      expectConverged(stored, lifecycle, sequence, results, `seed ${seed} run ${run}: ${sequence.map((c) => c.status).join(' → ')}`);
      expect(stored.messageSid).toBe(messageSid);
    }
  }, 60_000);

  it('converge the same when a sequence arrives all at once', async () => {
    const seed = 7_2026;
    const random = seededRandom(seed);
    for (let run = 0; run < 40; run++) {
      const lifecycle = lifecycles[run % lifecycles.length]!;
      const sequence = sequenceFor(lifecycle.path, random);
      const messageSid = `SM${randomUUID().replace(/-/g, '')}`;
      const n = await notification('pending', messageSid);
      const ref = { userId: n.userId, notificationId: n.notificationId };
      const results = await Promise.all(
        sequence.map((cb) => applyStatusCallback(repo, { messageSid, messageStatus: cb.status, ...(cb.errorCode ? { errorCode: cb.errorCode } : {}), ref })),
      );
      const stored = (await repo.get(n.userId, n.notificationId))!;
      expectConverged(stored, lifecycle, sequence, results, `seed ${seed} run ${run}: ${sequence.map((c) => c.status).join(' | ')}`);
    }
  }, 60_000);
});

describe('the sparse indexes of the notification log', () => {
  it('lists a recipient’s pending notifications, and drops each from the list once its status moves on', async () => {
    const target = '+14155557001';
    const mine = [await notification('pending', 'SMa', target), await notification('pending', 'SMb', target)];
    const other = await notification('pending', 'SMc', '+14155557002');

    const listed = await repo.listPendingTo(target, { limit: 10 });
    expect(listed.items.map((n) => n.notificationId).sort()).toEqual(mine.map((n) => n.notificationId).sort());
    expect(listed.items.every((n) => !('pendingTarget' in n))).toBe(true);
    expect((await repo.listPendingTo(other.target, { limit: 10 })).items.map((n) => n.notificationId)).toContain(other.notificationId);

    await repo.advance(mine[0]!.userId, mine[0]!.notificationId, { status: 'queued', at: AT, messageSid: 'SMq' });
    expect((await repo.listPendingTo(target, { limit: 10 })).items.map((n) => n.notificationId)).toEqual([mine[1]!.notificationId]);
  });

  it('suppresses a pending notification nobody holds, but leaves one a sender has claimed to that sender', async () => {
    const free = await notification('pending', 'SMf');
    const held = await notification('pending', 'SMh');
    const now = Date.parse(AT);
    await repo.claim(held.userId, held.notificationId, now, now + 60_000);
    const update = { status: 'suppressed' as const, at: AT, errorCode: '21610', errorMessage: 'opted out' };

    expect(await repo.suppressPending(free.userId, free.notificationId, update, now)).toBe(true);
    expect(await repo.suppressPending(held.userId, held.notificationId, update, now)).toBe(false);
    expect(await repo.get(free.userId, free.notificationId)).toMatchObject({ status: 'suppressed', errorCode: '21610' });
    expect((await repo.get(held.userId, held.notificationId))!.status).toBe('pending');
    // Once the claim has lapsed, the notification is free to suppress; a suppressed one is not touched again.
    expect(await repo.suppressPending(held.userId, held.notificationId, update, now + 61_000)).toBe(true);
    expect(await repo.suppressPending(free.userId, free.notificationId, update, now)).toBe(false);
    expect((await repo.get(free.userId, free.notificationId))!.history.map((h) => h.status)).toEqual(['pending', 'suppressed']);
  });

  it('lists open notifications by the time their status last changed, in every shard, and forgets them once final', async () => {
    const queued: NotificationRecord[] = [];
    for (let i = 0; i < 24; i++) {
      const n = await notification('pending', `SMo${i}`);
      await repo.advance(n.userId, n.notificationId, {
        status: i % 2 ? 'sent' : 'queued',
        at: `2026-03-01T00:${String(i).padStart(2, '0')}:00.000Z`,
        messageSid: `SMo${i}`,
      });
      queued.push(n);
    }
    const listOpen = async (from: string, to: string) => {
      const ids: string[] = [];
      for (let shard = 0; shard < repo.openShards; shard++) {
        ids.push(...(await repo.listOpen(shard, { from, to }, { limit: 100 })).items.map((n) => n.notificationId));
      }
      return ids.sort();
    };
    const ids = (ns: NotificationRecord[]) => ns.map((n) => n.notificationId).sort();

    expect(await listOpen('2026-03-01T00:00:00.000Z', '2026-03-01T00:23:00.000Z')).toEqual(ids(queued));
    expect(await listOpen('2026-03-01T00:00:00.000Z', '2026-03-01T00:09:59.999Z')).toEqual(ids(queued.slice(0, 10)));
    const shardsUsed = new Set<number>();
    for (let shard = 0; shard < repo.openShards; shard++) {
      if ((await repo.listOpen(shard, { from: '2026-03-01', to: '2026-03-02' }, { limit: 100 })).items.length > 0) shardsUsed.add(shard);
    }
    expect(shardsUsed.size).toBeGreaterThan(1);

    await repo.advance(queued[0]!.userId, queued[0]!.notificationId, { status: 'delivered', at: '2026-03-01T00:30:00.000Z' });
    await repo.advance(queued[1]!.userId, queued[1]!.notificationId, { status: 'undelivered', at: '2026-03-01T00:30:00.000Z', errorCode: '30003' });
    expect(await listOpen('2026-03-01T00:00:00.000Z', '2026-03-01T01:00:00.000Z')).toEqual(ids(queued.slice(2)));
  });
});
