import { beforeEach, describe, it, expect, vi } from 'vitest';
import { applyStatusCallback, type CallbackResult } from '../../../shared/domain/status-callback.ts';
import type { NotificationStatus } from '../../../shared/domain/notification-status.ts';
import type { NotificationRecord } from '../../../shared/ports.ts';
import { FakeNotificationRepository, frozenClock } from '../../support/fake-ports.ts';
import { seededRandom } from '../../../lib/bench/stats.ts';

const ref = { userId: 'alice', notificationId: '01HZZ00000000000000000000A-R1' };
const sid = 'SM00000000000000000000000000000001';

// The contract's order, independent of the source's rank table.
const order: NotificationStatus[] = ['pending', 'queued', 'sending', 'sent', 'delivered'];

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

let clock = frozenClock();
let notifications: FakeNotificationRepository;

beforeEach(() => {
  clock = frozenClock('2030-01-01T10:00:00.000Z');
  notifications = new FakeNotificationRepository();
});

function seed(overrides: Partial<NotificationRecord> = {}) {
  notifications.seed({
    ...ref,
    fileId: '01HZZ00000000000000000000A',
    ruleId: 'R1',
    channel: 'sms',
    target: '+14155550100',
    status: 'queued',
    messageSid: sid,
    attempts: 1,
    createdAt: '2030-01-01T09:59:00.000Z',
    updatedAt: '2030-01-01T09:59:30.000Z',
    history: [
      { status: 'pending', at: '2030-01-01T09:59:00.000Z' },
      { status: 'queued', at: '2030-01-01T09:59:30.000Z' },
    ],
    file: {
      fileName: 'q3-report.pdf',
      fileType: 'pdf',
      contentType: 'application/pdf',
      sizeBytes: 1024,
      tags: [],
      uploadedAt: '2030-01-01T09:58:00.000Z',
      objectKey: 'uploads/alice/01HZZ00000000000000000000A',
    },
    ...overrides,
  });
}

const stored = async () => (await notifications.get(ref.userId, ref.notificationId))!;

describe('applyStatusCallback', () => {
  it('ends delivered, with a history that never repeats or goes back, for 200 shuffled callback sequences with duplicates', async () => {
    const random = seededRandom(20300101);
    const lifecycle = ['queued', 'sending', 'sent', 'delivered'];
    for (let run = 0; run < 200; run++) {
      notifications = new FakeNotificationRepository();
      seed();
      const duplicates = Array.from({ length: Math.floor(random() * 5) }, () => lifecycle[Math.floor(random() * lifecycle.length)] as string);
      const sequence = shuffle([...lifecycle, ...duplicates], random);

      const results: CallbackResult[] = [];
      for (const messageStatus of sequence) {
        clock.advance(1000);
        results.push(await applyStatusCallback(notifications, { messageSid: sid, messageStatus }, clock));
      }

      const n = await stored();
      const context = `run ${run}: ${sequence.join(' → ')}`;
      expect(n.status, context).toBe('delivered');
      const statuses = n.history.map((h) => h.status);
      expect(new Set(statuses).size, context).toBe(statuses.length);
      const ranks = statuses.map((s) => order.indexOf(s));
      expect(
        ranks.every((r, i) => r >= 0 && (i === 0 || r > (ranks[i - 1] as number))),
        context,
      ).toBe(true);
      expect(results.filter((r) => r === 'applied').length, context).toBe(n.history.length - 2);
      expect(
        results.every((r) => r === 'applied' || r === 'stale'),
        context,
      ).toBe(true);
    }
  });

  it('applies read after delivered', async () => {
    seed();
    await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'delivered' }, clock);
    expect(await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'read' }, clock)).toBe('applied');
    expect((await stored()).status).toBe('read');
    expect(await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'read' }, clock)).toBe('stale');
    expect((await stored()).history.filter((h) => h.status === 'read')).toHaveLength(1);
  });

  it('records delivered, then read, when the read receipt overtakes the delivered callback', async () => {
    seed();
    expect(await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'read' }, clock)).toBe('applied');
    expect((await stored()).history.map((h) => h.status)).toEqual(['pending', 'queued', 'delivered', 'read']);
    expect(await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'delivered' }, clock)).toBe('stale');
    expect((await stored()).status).toBe('read');
  });

  it('does not apply read to a message that ended undelivered', async () => {
    seed({ status: 'undelivered' });
    expect(await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'read' }, clock)).toBe('stale');
    expect((await stored()).status).toBe('undelivered');
  });

  it('stores the error code and a readable message for an undelivered message', async () => {
    seed();
    expect(await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'undelivered', errorCode: '30003' }, clock)).toBe('applied');
    const n = await stored();
    expect(n).toMatchObject({ status: 'undelivered', errorCode: '30003', errorMessage: 'The destination handset is unreachable.' });
    expect(n.history.at(-1)).toEqual({ status: 'undelivered', at: '2030-01-01T10:00:00.000Z', errorCode: '30003' });
  });

  it('stores no error for an ErrorCode of 0', async () => {
    seed();
    await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'delivered', errorCode: '0' }, clock);
    const n = await stored();
    expect(n.status).toBe('delivered');
    expect(n.errorCode).toBeUndefined();
  });

  it('lets the first final outcome stand', async () => {
    seed();
    await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'delivered' }, clock);
    expect(await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'undelivered', errorCode: '30003' }, clock)).toBe('stale');
    expect(await stored()).toMatchObject({ status: 'delivered' });
    expect((await stored()).errorCode).toBeUndefined();
  });

  it("answers 'unknown' for a SID no notification has, and changes nothing", async () => {
    seed();
    const before = await stored();
    expect(await applyStatusCallback(notifications, { messageSid: 'SMnobody', messageStatus: 'delivered' }, clock)).toBe('unknown');
    expect(await stored()).toEqual(before);
  });

  it("answers 'ignored' for a status that says nothing new", async () => {
    seed();
    expect(await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'receiving' }, clock)).toBe('ignored');
    expect((await stored()).status).toBe('queued');
  });

  it('finds the notification from the callback reference without a SID lookup, before the SID is stored', async () => {
    seed({ status: 'pending', messageSid: undefined, history: [{ status: 'pending', at: '2030-01-01T09:59:00.000Z' }] });
    const lookup = vi.spyOn(notifications, 'findByMessageSid');

    expect(await applyStatusCallback(notifications, { messageSid: sid, messageStatus: 'sent', ref }, clock)).toBe('applied');

    expect(lookup).not.toHaveBeenCalled();
    expect(await stored()).toMatchObject({ status: 'sent', messageSid: sid, updatedAt: '2030-01-01T10:00:00.000Z' });
  });
});
