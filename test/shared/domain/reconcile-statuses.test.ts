import { beforeEach, describe, expect, it } from 'vitest';
import { reconcileStatuses, type ReconcileOptions } from '../../../shared/domain/reconcile-statuses.ts';
import type { MessageStatusReport, MessageStatusSource, NotificationMaintenance, NotificationRecord, Page, PageRequest } from '../../../shared/ports.ts';
import { FakeNotificationRepository, frozenClock } from '../../support/fake-ports.ts';

/** The fake log, with the open-status listing reconciliation reads (one shard, oldest first). */
class FakeLog extends FakeNotificationRepository implements NotificationMaintenance {
  readonly openShards = 1;
  readonly windows: Array<{ from: string; to: string }> = [];
  async listOpen(_shard: number, changed: { from: string; to: string }, page: PageRequest): Promise<Page<NotificationRecord>> {
    this.windows.push(changed);
    const open = this.all()
      .filter((n) => ['queued', 'sending', 'sent'].includes(n.status) && n.updatedAt >= changed.from && n.updatedAt <= changed.to)
      .sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : 1));
    return { items: open.slice(0, page.limit) };
  }
  async listPendingTo(): Promise<Page<NotificationRecord>> {
    return { items: [] };
  }
  async suppressPending(): Promise<boolean> {
    return false;
  }
}

class FakeTwilio implements MessageStatusSource {
  readonly asked: string[] = [];
  constructor(private readonly answers: Record<string, MessageStatusReport | Error | undefined>) {}
  async fetchStatus(sid: string) {
    this.asked.push(sid);
    const answer = this.answers[sid];
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

const clock = frozenClock('2030-01-01T12:00:00.000Z');
const options: ReconcileOptions = { afterMinutes: 15, maxAgeHours: 48, limit: 100, concurrency: 4 };
let log: FakeLog;

function seed(id: string, status: NotificationRecord['status'], updatedAt: string, messageSid: string | undefined = `SM${id}`) {
  log.seed({
    userId: 'alice',
    notificationId: id,
    fileId: 'F',
    ruleId: 'R',
    channel: 'sms',
    target: '+14155550100',
    status,
    ...(messageSid ? { messageSid } : {}),
    attempts: 1,
    createdAt: updatedAt,
    updatedAt,
    history: [{ status, at: updatedAt }],
    file: { fileName: 'a', fileType: '', contentType: 'text/plain', sizeBytes: 1, tags: [], uploadedAt: updatedAt, objectKey: 'uploads/alice/F' },
  });
}

beforeEach(() => {
  log = new FakeLog();
});

describe('reconcileStatuses', () => {
  it('asks Twilio only about notifications stuck longer than the threshold and younger than the horizon', async () => {
    seed('fresh', 'queued', '2030-01-01T11:50:00.000Z');
    seed('stuck', 'queued', '2030-01-01T11:40:00.000Z');
    seed('ancient', 'sent', '2029-12-29T11:00:00.000Z');
    const twilio = new FakeTwilio({ SMstuck: { messageSid: 'SMstuck', status: 'delivered' } });

    const report = await reconcileStatuses({ notifications: log, twilio }, options, clock);

    expect(log.windows[0]).toEqual({ from: '2029-12-30T12:00:00.000Z', to: '2030-01-01T11:45:00.000Z' });
    expect(twilio.asked).toEqual(['SMstuck']);
    expect(report).toEqual({ checked: 1, applied: 1, unchanged: 0, unknown: 0, failed: 0 });
    expect(await log.get('alice', 'stuck')).toMatchObject({ status: 'delivered', updatedAt: '2030-01-01T12:00:00.000Z' });
    expect((await log.get('alice', 'fresh'))!.status).toBe('queued');
  });

  it('applies what Twilio reports through the forward-only state machine, error code and all', async () => {
    seed('lost', 'sent', '2030-01-01T10:00:00.000Z');
    seed('same', 'sent', '2030-01-01T10:00:00.000Z');
    seed('behind', 'sent', '2030-01-01T10:00:00.000Z');
    const twilio = new FakeTwilio({
      SMlost: { messageSid: 'SMlost', status: 'undelivered', errorCode: '30005' },
      SMsame: { messageSid: 'SMsame', status: 'sent' },
      SMbehind: { messageSid: 'SMbehind', status: 'queued' },
    });
    const report = await reconcileStatuses({ notifications: log, twilio }, options, clock);
    expect(report).toEqual({ checked: 3, applied: 1, unchanged: 2, unknown: 0, failed: 0 });
    expect(await log.get('alice', 'lost')).toMatchObject({
      status: 'undelivered',
      errorCode: '30005',
      errorMessage: 'The destination number is unknown or no longer exists.',
    });
    expect((await log.get('alice', 'behind'))!.status).toBe('sent');
  });

  it('counts messages Twilio does not know and failures to ask, and carries on with the rest', async () => {
    seed('gone', 'queued', '2030-01-01T10:00:00.000Z');
    seed('nosid', 'queued', '2030-01-01T10:00:00.000Z', undefined);
    seed('error', 'queued', '2030-01-01T10:00:00.000Z');
    seed('fine', 'queued', '2030-01-01T10:00:00.000Z');
    const twilio = new FakeTwilio({ SMerror: new Error('HTTP 503'), SMfine: { messageSid: 'SMfine', status: 'delivered' } });
    const report = await reconcileStatuses({ notifications: log, twilio }, options, clock);
    expect(report).toEqual({ checked: 4, applied: 1, unchanged: 0, unknown: 2, failed: 1 });
    expect((await log.get('alice', 'fine'))!.status).toBe('delivered');
  });

  it('checks at most `limit` notifications a run, oldest first', async () => {
    for (let i = 0; i < 10; i++) seed(`n${i}`, 'queued', `2030-01-01T10:0${9 - i}:00.000Z`);
    const twilio = new FakeTwilio({});
    const report = await reconcileStatuses({ notifications: log, twilio }, { ...options, limit: 3 }, clock);
    expect(report.checked).toBe(3);
    expect(twilio.asked.sort()).toEqual(['SMn7', 'SMn8', 'SMn9']);
  });
});
