import { beforeEach, describe, expect, it } from 'vitest';
import { cancelSend, createSend, rescheduleSend, sweepDueSends, type SendApiDeps } from '../../../shared/domain/send-api.ts';
import { sendNotification, type SendDeps } from '../../../shared/domain/send-notification.ts';
import { createTemplate } from '../../../shared/domain/templates.ts';
import { DeferError } from '../../../shared/errors.ts';
import { TIMER_LEAD_MS } from '../../../shared/domain/timer.ts';
import { sendRequestSchema, type SendRequest } from '../../../shared/schemas/notification.schema.ts';
import {
  FakeCircuitBreaker,
  FakeEmailGateway,
  FakeFileRepository,
  FakeFileStore,
  FakeMessageGateway,
  FakeNotificationQueue,
  FakeNotificationRepository,
  FakeOptOutRepository,
  FakeRateLimiter,
  FakeSendGuards,
  FakeSettingsRepository,
  FakeTemplateRepository,
  frozenClock,
} from '../../support/fake-ports.ts';

let clock = frozenClock();
let deps: SendApiDeps & { notifications: FakeNotificationRepository; queue: FakeNotificationQueue; guards: FakeSendGuards; settings: FakeSettingsRepository };
let sender: SendDeps;
let gateway: FakeMessageGateway;

beforeEach(() => {
  // 10:00 in New York (EST), a Monday.
  clock = frozenClock('2030-01-07T15:00:00.000Z');
  deps = {
    notifications: new FakeNotificationRepository(),
    queue: new FakeNotificationQueue(),
    guards: new FakeSendGuards(),
    settings: new FakeSettingsRepository(),
    templates: new FakeTemplateRepository(),
    files: new FakeFileRepository(),
  };
  gateway = new FakeMessageGateway();
  sender = {
    notifications: deps.notifications,
    gateway,
    email: new FakeEmailGateway(),
    store: new FakeFileStore(),
    optOuts: new FakeOptOutRepository(),
    limiter: new FakeRateLimiter(),
    breaker: new FakeCircuitBreaker(),
    contacts: deps.guards,
    settings: deps.settings,
    statusCallbackUrl: () => 'https://api.test/twilio/status',
  };
});

const request = (input: Record<string, unknown>): SendRequest => sendRequestSchema.parse({ to: '+14155550100', ...input });
const send = (input: Record<string, unknown>, userId = 'alice') => createSend(deps, userId, request(input), clock);

/** Hands every enqueued timer to the sender, as the queue would once its delay is over. */
async function deliverTimers() {
  const timers = deps.queue.enqueued.splice(0);
  const results = [];
  for (const t of timers) {
    try {
      results.push(await sendNotification(sender, t, { receiveCount: 1, maxReceives: 5 }, clock));
    } catch (err) {
      if (!(err instanceof DeferError)) throw err;
      results.push('deferred');
    }
  }
  return results;
}

describe('createSend', () => {
  it('creates a pending send and puts it on the queue at once', async () => {
    const answer = await send({ body: 'Hi' });
    expect(answer.statusCode).toBe(201);
    expect(answer.notification).toMatchObject({ source: 'api', status: 'pending', body: 'Hi Reply STOP to opt out.', priority: 1 });
    expect(deps.queue.enqueued).toEqual([expect.objectContaining({ notificationId: answer.notification.notificationId, priority: 1 })]);
    expect(deps.notifications.isDue('alice', answer.notification.notificationId)).toBe(false);
  });

  it('renders a template, and names a missing variable', async () => {
    const t = await createTemplate(deps.templates, 'alice', { name: 'Ready', body: 'Hi {{name}}, order {{order}} is ready. Reply STOP to stop.' });
    expect(t.variables).toEqual(['name', 'order']);
    const ok = await send({ templateId: t.templateId, variables: { name: 'Ann', order: '7' } });
    expect(ok.notification.body).toBe('Hi Ann, order 7 is ready. Reply STOP to stop.');
    await expect(send({ templateId: t.templateId, variables: { name: 'Ann' } })).rejects.toThrow(/missing "order"/);
  });

  it("sends the user's uploaded files as MMS media, and refuses a file that is not theirs", async () => {
    const file = {
      userId: 'alice',
      fileId: 'F1',
      fileName: 'menu.png',
      fileType: 'png',
      contentType: 'image/png',
      sizeBytes: 10,
      tags: [],
      uploadedAt: '2030-01-01T00:00:00.000Z',
      objectKey: 'uploads/alice/F1',
    };
    await deps.files.recordFile(file);
    await deps.files.recordFile({ ...file, userId: 'bob', fileId: 'F2', objectKey: 'uploads/bob/F2' });
    const { notification } = await send({ channel: 'mms', body: "Tonight's menu", mediaFileIds: ['F1'] });
    expect(notification.media).toEqual([{ objectKey: 'uploads/alice/F1', fileName: 'menu.png' }]);
    expect(await deliverTimers()).toEqual(['sent']);
    expect(gateway.sent[0]!.mediaUrls).toEqual([FakeFileStore.downloadUrl('uploads/alice/F1', 'menu.png', 900)]);
    await expect(send({ channel: 'mms', body: 'x', mediaFileIds: ['F2'] })).rejects.toThrow(/No file F2/);
    expect(() => request({ body: 'x', mediaFileIds: ['F1'] })).toThrow(/mms/);
  });

  it('refuses a body the opt-out line would take over 1,600 characters, writing nothing', async () => {
    await expect(send({ body: 'x'.repeat(1590) })).rejects.toThrow(/1613 characters with the opt-out line/);
    expect(deps.notifications.all()).toEqual([]);
    expect(deps.guards.held.size).toBe(0);
  });

  it('answers a key held by a request still under way with a conflict, and takes over one whose request died', async () => {
    await deps.guards.take('idempotency', 'alice', 'k1', 'never-written', clock().getTime(), clock().getTime() + 86_400_000);
    await expect(send({ body: 'Hi', idempotencyKey: 'k1' })).rejects.toMatchObject({ statusCode: 409 });
    clock.advance(31_000);
    const answer = await send({ body: 'Hi', idempotencyKey: 'k1' });
    expect(answer.statusCode).toBe(201);
  });

  it('lets the same key through again after 24 hours, and the same text after the dedup window', async () => {
    const first = await send({ body: 'Hi', idempotencyKey: 'k2' });
    clock.advance(30_000);
    expect((await send({ body: 'Hi' })).duplicate).toBe(true);
    clock.advance(31_000);
    expect((await send({ body: 'Hi' })).statusCode).toBe(201);
    clock.advance(86_400_000);
    const later = await send({ body: 'Hi', idempotencyKey: 'k2' });
    expect(later.statusCode).toBe(201);
    expect(later.notification.notificationId).not.toBe(first.notification.notificationId);
  });

  it('points a key whose request turned out a duplicate at the earlier notification', async () => {
    const first = await send({ body: 'Hi' });
    const dup = await send({ body: 'Hi', idempotencyKey: 'k3' });
    expect(dup).toMatchObject({ statusCode: 200, duplicate: true });
    clock.advance(120_000);
    const again = await send({ body: 'Hi', idempotencyKey: 'k3' });
    expect(again.statusCode).toBe(200);
    expect(again.notification.notificationId).toBe(first.notification.notificationId);
  });

  it('sends every copy when the dedup window is 0', async () => {
    await deps.settings.put('alice', { quietHours: null, dedupWindowSeconds: 0, optOutFooter: null });
    expect((await send({ body: 'Hi' })).statusCode).toBe(201);
    expect((await send({ body: 'Hi' })).statusCode).toBe(201);
  });
});

describe('quiet hours', () => {
  beforeEach(async () => {
    await deps.settings.put('alice', {
      quietHours: { start: '09:00', end: '17:00', timezone: 'America/New_York' },
      dedupWindowSeconds: 60,
      optOutFooter: null,
    });
  });

  it('schedules a send due inside the window for its end', async () => {
    const answer = await send({ body: 'Hi' });
    expect(answer.notification).toMatchObject({ status: 'scheduled', sendAt: '2030-01-07T22:00:00.000Z' });
  });

  it('lets an urgent send through', async () => {
    expect((await send({ body: 'Hi', priority: 10 })).notification.status).toBe('pending');
  });

  it("reads the window in the recipient's time zone when the request names one", async () => {
    // 10:00 in New York is 07:00 in Los Angeles: outside a 09:00–17:00 window there.
    expect((await send({ body: 'Hi', timezone: 'America/Los_Angeles' })).notification.status).toBe('pending');
  });

  describe('saved after a send was scheduled', () => {
    const window = { start: '09:00', end: '17:00', timezone: 'America/New_York' };
    const saveWindow = (quietHours: typeof window | null) => deps.settings.put('alice', { quietHours, dedupWindowSeconds: 60, optOutFooter: null });
    const inAMinute = () => new Date(clock().getTime() + 60_000).toISOString();

    it('holds the send when its time comes inside the window, until the window ends', async () => {
      await saveWindow(null);
      const { notification: n } = await send({ body: 'Hi', sendAt: inAMinute() });
      await saveWindow(window);
      clock.advance(60_000);
      expect(await deliverTimers()).toEqual(['skipped']);
      expect(await deps.notifications.get('alice', n.notificationId)).toMatchObject({ status: 'scheduled', dueAt: '2030-01-07T22:00:00.000Z' });
      expect(gateway.sent).toEqual([]);

      // 17:00 in New York: the sweep sets its timer, and then it goes.
      clock.set('2030-01-07T21:50:00.000Z');
      expect((await sweepDueSends(deps, clock)).enqueued).toBe(1);
      clock.set('2030-01-07T22:00:00.000Z');
      expect(await deliverTimers()).toEqual(['sent']);
    });

    it('does not hold again a send whose timer comes back within its lead of the window end it was set for', async () => {
      // Scheduled during the window, for its end (17:00 in New York).
      const { notification: n } = await send({ body: 'At five' });
      expect(n.dueAt).toBe('2030-01-07T22:00:00.000Z');
      clock.set('2030-01-07T21:50:00.000Z');
      expect((await sweepDueSends(deps, clock)).enqueued).toBe(1);
      const timer = deps.queue.enqueued.splice(0)[0]!;
      clock.set(new Date(Date.parse(n.dueAt!) - TIMER_LEAD_MS / 2).toISOString());
      const deferred = await sendNotification(sender, timer, { receiveCount: 1, maxReceives: 5 }, clock).catch((err: unknown) => err);
      // Still early right before Twilio: it waits for its time, not for another window's end.
      expect(deferred).toBeInstanceOf(DeferError);
      expect((deferred as DeferError).until).toBe(Date.parse(n.dueAt!));
      expect(await deps.notifications.get('alice', n.notificationId)).toMatchObject({ dueAt: n.dueAt });
      // Nothing was rescheduled, so the sweep sets no second timer.
      expect((await sweepDueSends(deps, clock)).enqueued).toBe(0);
      clock.set(n.dueAt!);
      expect(await sendNotification(sender, JSON.parse((deferred as DeferError).body!), { receiveCount: 1, maxReceives: 5 }, clock)).toBe('sent');
    });

    it('puts a timer for a window ending within 15 minutes back on the queue at once', async () => {
      clock.set('2030-01-07T21:50:00.000Z');
      await saveWindow(null);
      const { notification: n } = await send({ body: 'Hi', sendAt: inAMinute() });
      await saveWindow(window);
      clock.advance(60_000);
      const timer = deps.queue.enqueued.splice(0)[0]!;
      const deferred = await sendNotification(sender, timer, { receiveCount: 1, maxReceives: 5 }, clock).catch((err: unknown) => err);
      expect(deferred).toBeInstanceOf(DeferError);
      expect(JSON.parse((deferred as DeferError).body!)).toEqual({ userId: 'alice', notificationId: n.notificationId, dueAt: '2030-01-07T22:00:00.000Z' });
    });

    it('lets urgent sends and recipients outside the window go at their time', async () => {
      await saveWindow(null);
      await send({ body: 'Urgent', sendAt: inAMinute(), priority: 10 });
      await send({ body: 'West', sendAt: inAMinute(), timezone: 'America/Los_Angeles' });
      await saveWindow(window);
      clock.advance(60_000);
      expect(await deliverTimers()).toEqual(['sent', 'sent']);
    });
  });
});

describe('scheduling', () => {
  it('keeps a send due in a month off the queue until the sweep finds it within 15 minutes', async () => {
    const sendAt = new Date(clock().getTime() + 30 * 86_400_000).toISOString();
    const { notification: n } = await send({ body: 'Later', sendAt });
    expect(deps.queue.enqueued).toEqual([]);
    expect((await sweepDueSends(deps, clock)).enqueued).toBe(0);

    clock.advance(30 * 86_400_000 - 10 * 60_000);
    expect((await sweepDueSends(deps, clock)).enqueued).toBe(1);
    expect(deps.queue.enqueued).toEqual([{ userId: 'alice', notificationId: n.notificationId, dueAt: sendAt, delaySeconds: 600, priority: 1 }]);
    expect((await sweepDueSends(deps, clock)).enqueued).toBe(0);

    // A timer that fires early goes back to wait; at its time it sends.
    const early = deps.queue.enqueued[0]!;
    await expect(sendNotification(sender, early, { receiveCount: 1, maxReceives: 5 }, clock)).rejects.toBeInstanceOf(DeferError);
    clock.advance(600_000);
    expect(await deliverTimers()).toEqual(['sent']);
    expect(gateway.sent.map((m) => m.body)).toEqual(['Later Reply STOP to opt out.']);
  });

  it('lets a timer back within its lead go through the claim, but not to Twilio before the due time', async () => {
    const { notification: n } = await send({ body: 'On time', sendAt: new Date(clock().getTime() + 5_000).toISOString() });
    // The timer is queued for the due time less the lead, in whole seconds.
    expect(deps.queue.enqueued).toEqual([expect.objectContaining({ dueAt: n.dueAt, delaySeconds: 5 })]);
    const timer = deps.queue.enqueued.splice(0)[0]!;

    // Back further ahead than the lead: nothing is claimed.
    clock.advance(5_000 - TIMER_LEAD_MS - 5);
    await expect(sendNotification(sender, timer, { receiveCount: 1, maxReceives: 5 }, clock)).rejects.toBeInstanceOf(DeferError);
    expect(await deps.notifications.get('alice', n.notificationId)).toMatchObject({ status: 'scheduled', attempts: 0 });

    // Back within the lead, and still early right before Twilio: the claim is given back, uncounted, and it waits.
    clock.advance(10);
    const deferred = await sendNotification(sender, timer, { receiveCount: 1, maxReceives: 5 }, clock).catch((err: unknown) => err);
    expect(deferred).toBeInstanceOf(DeferError);
    expect((deferred as DeferError).until).toBe(Date.parse(n.dueAt!));
    expect(gateway.sent).toEqual([]);
    expect(await deps.notifications.get('alice', n.notificationId)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await cancelSend(deps.notifications, 'alice', n.notificationId, clock)).toMatchObject({ status: 'canceled' });
    clock.advance(TIMER_LEAD_MS);
    const back = JSON.parse((deferred as DeferError).body!);
    expect(await sendNotification(sender, back, { receiveCount: 1, maxReceives: 5 }, clock)).toBe('skipped');
    expect(gateway.sent).toEqual([]);
  });

  it('sends a timer back within its lead once the due time has come by the send', async () => {
    const { notification: n } = await send({ body: 'Just in time', sendAt: new Date(clock().getTime() + 5_000).toISOString() });
    const timer = deps.queue.enqueued.splice(0)[0]!;
    clock.advance(5_000 - 10);
    // The limiter's answer takes the rest of the lead.
    const turn = sender.limiter.acquire.bind(sender.limiter);
    sender.limiter.acquire = async (...args) => {
      clock.advance(10);
      return turn(...args);
    };
    expect(await sendNotification(sender, timer, { receiveCount: 1, maxReceives: 5 }, clock)).toBe('sent');
    expect(gateway.sent).toHaveLength(1);
    expect(await deps.notifications.get('alice', n.notificationId)).toMatchObject({ status: 'queued' });
  });

  it('sends nothing for a canceled send whose timer fires', async () => {
    const { notification: n } = await send({ body: 'Soon', sendAt: new Date(clock().getTime() + 5_000).toISOString() });
    expect(deps.queue.enqueued).toHaveLength(1);
    expect((await cancelSend(deps.notifications, 'alice', n.notificationId, clock)).status).toBe('canceled');
    clock.advance(5_000);
    expect(await deliverTimers()).toEqual(['skipped']);
    expect(gateway.sent).toEqual([]);
  });

  it('sends a rescheduled send at its new time only', async () => {
    const { notification: n } = await send({ body: 'Moved', sendAt: new Date(clock().getTime() + 60_000).toISOString() });
    const moved = await rescheduleSend(deps, 'alice', n.notificationId, new Date(clock().getTime() + 120_000).toISOString(), clock);
    expect(deps.queue.enqueued.map((t) => t.dueAt)).toEqual([n.dueAt, moved.dueAt]);
    clock.advance(120_000);
    expect(await deliverTimers()).toEqual(['skipped', 'sent']);
    expect(gateway.sent).toHaveLength(1);
  });

  it('answers NOT_CANCELABLE to a second cancel, as the contract says for any status but scheduled and pending', async () => {
    const { notification: n } = await send({ body: 'Twice', sendAt: new Date(clock().getTime() + 60_000).toISOString() });
    expect((await cancelSend(deps.notifications, 'alice', n.notificationId, clock)).status).toBe('canceled');
    await expect(cancelSend(deps.notifications, 'alice', n.notificationId, clock)).rejects.toMatchObject({ code: 'NOT_CANCELABLE' });
  });

  it('keeps a due send scheduled while it waits for its rate slot, its timer carrying the due time, so a cancel meanwhile still wins', async () => {
    const { notification: n } = await send({ body: 'Paced', sendAt: new Date(clock().getTime() + 5_000).toISOString() });
    const timer = deps.queue.enqueued.splice(0)[0]!;
    clock.advance(5_000);
    const slot = clock().getTime() + 1_500;
    (sender.limiter as FakeRateLimiter).turns.push({ kind: 'wait', until: slot, slot });
    const deferred = (await sendNotification(sender, timer, { receiveCount: 1, maxReceives: 5 }, clock).catch((e: unknown) => e)) as DeferError;
    expect(deferred).toBeInstanceOf(DeferError);
    expect(JSON.parse(deferred.body!)).toEqual({ userId: 'alice', notificationId: n.notificationId, notBefore: slot, dueAt: n.dueAt });
    expect(await deps.notifications.get('alice', n.notificationId)).toMatchObject({ status: 'scheduled', attempts: 0 });

    // Back at its slot, it is promoted and claimed in one write and sent.
    const back = JSON.parse(deferred.body!) as typeof timer;
    clock.advance(1_500);
    expect(await sendNotification(sender, back, { receiveCount: 1, maxReceives: 5 }, clock)).toBe('sent');
    expect((await deps.notifications.get('alice', n.notificationId))!.history.map((h) => h.status)).toEqual(['scheduled', 'pending', 'queued']);

    // The same wait for another send, canceled meanwhile: nothing goes out.
    const { notification: m } = await send({ body: 'Paced, canceled', sendAt: new Date(clock().getTime() + 5_000).toISOString() });
    const other = deps.queue.enqueued.splice(0)[0]!;
    clock.advance(5_000);
    (sender.limiter as FakeRateLimiter).turns.push({ kind: 'wait', until: clock().getTime() + 1_000, slot: clock().getTime() + 1_000 });
    const waiting = (await sendNotification(sender, other, { receiveCount: 1, maxReceives: 5 }, clock).catch((e: unknown) => e)) as DeferError;
    expect((await cancelSend(deps.notifications, 'alice', m.notificationId, clock)).status).toBe('canceled');
    clock.advance(1_000);
    expect(await sendNotification(sender, JSON.parse(waiting.body!) as typeof other, { receiveCount: 1, maxReceives: 5 }, clock)).toBe('skipped');
    expect(gateway.sent.map((g) => g.body)).toEqual(['Paced Reply STOP to opt out.']);
  });

  it('refuses to cancel a send a sender holds, so it is never both canceled and sent', async () => {
    const { notification: n } = await send({ body: 'Race' });
    await deps.notifications.claim('alice', n.notificationId, clock().getTime(), clock().getTime() + 60_000);
    await expect(cancelSend(deps.notifications, 'alice', n.notificationId, clock)).rejects.toMatchObject({ code: 'NOT_CANCELABLE' });
  });
});
