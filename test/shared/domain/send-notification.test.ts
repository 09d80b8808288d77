import { beforeEach, describe, it, expect, vi } from 'vitest';
import { DOWNLOAD_URL_TTL_SECONDS } from '../../../shared/domain/files.ts';
import { CLAIM_LEASE_MS, sendNotification, type SendDeps } from '../../../shared/domain/send-notification.ts';
import { DeferError, GiveUpError, RetryLaterError } from '../../../shared/errors.ts';
import type { NotificationRecord } from '../../../shared/ports.ts';
import {
  FakeCircuitBreaker,
  FakeEmailGateway,
  FakeFileStore,
  FakeMessageGateway,
  FakeNotificationRepository,
  FakeOptOutRepository,
  FakeRateLimiter,
  FakeSendGuards,
  frozenClock,
} from '../../support/fake-ports.ts';

const ref = { userId: 'alice', notificationId: '01HZZ00000000000000000000A-R1' };
const objectKey = 'uploads/alice/01HZZ00000000000000000000A';
const firstReceive = { receiveCount: 1, maxReceives: 5 };

let clock = frozenClock();
let notifications: FakeNotificationRepository;
let gateway: FakeMessageGateway;
let store: FakeFileStore;
let optOuts: FakeOptOutRepository;
let limiter: FakeRateLimiter;
let breaker: FakeCircuitBreaker;
let email: FakeEmailGateway;
let deps: SendDeps;

beforeEach(() => {
  clock = frozenClock('2030-01-01T10:00:00.000Z');
  notifications = new FakeNotificationRepository();
  gateway = new FakeMessageGateway(clock);
  store = new FakeFileStore();
  optOuts = new FakeOptOutRepository();
  limiter = new FakeRateLimiter();
  breaker = new FakeCircuitBreaker(3, 30_000);
  email = new FakeEmailGateway();
  deps = {
    notifications,
    gateway,
    store,
    optOuts,
    limiter,
    breaker,
    email,
    statusCallbackUrl: (n) => `https://api.test/twilio/status?user=${n.userId}&notification=${n.notificationId}`,
  };
});

function seed(overrides: Partial<NotificationRecord> = {}): NotificationRecord {
  const n: NotificationRecord = {
    ...ref,
    fileId: '01HZZ00000000000000000000A',
    ruleId: 'R1',
    channel: 'sms',
    target: '+14155550100',
    status: 'pending',
    attempts: 0,
    createdAt: '2030-01-01T09:59:00.000Z',
    updatedAt: '2030-01-01T09:59:00.000Z',
    history: [{ status: 'pending', at: '2030-01-01T09:59:00.000Z' }],
    file: {
      fileName: 'q3-report.pdf',
      fileType: 'pdf',
      contentType: 'application/pdf',
      sizeBytes: 200 * 1024,
      tags: ['finance', 'q3'],
      uploadedAt: '2030-01-01T09:58:00.000Z',
      objectKey,
    },
    ...overrides,
  };
  notifications.seed(n);
  return n;
}

const stored = async () => (await notifications.get(ref.userId, ref.notificationId))!;
const downloadUrl = FakeFileStore.downloadUrl(objectKey, 'q3-report.pdf', DOWNLOAD_URL_TTL_SECONDS);

describe('sendNotification', () => {
  it('sends an accepted message once and marks the notification queued with its SID after one attempt', async () => {
    seed();
    gateway.answer({ kind: 'accepted', messageSid: 'SM0001', status: 'queued' });

    expect(await sendNotification(deps, ref, firstReceive, clock)).toBe('sent');

    expect(gateway.sent).toEqual([
      {
        to: '+14155550100',
        body: 'New file uploaded: q3-report.pdf (200 KB)',
        mediaUrls: [],
        statusCallback: `https://api.test/twilio/status?user=alice&notification=${ref.notificationId}`,
      },
    ]);
    const n = await stored();
    expect(n).toMatchObject({ status: 'queued', messageSid: 'SM0001', attempts: 1, updatedAt: '2030-01-01T10:00:00.000Z', encoding: 'GSM-7', segments: 1 });
    expect(n.history.map((h) => h.status)).toEqual(['pending', 'queued']);
    expect(n.claimExpiresAt).toBeUndefined();
  });

  it('sends nothing when the same reference is delivered a second time', async () => {
    seed();
    await sendNotification(deps, ref, firstReceive, clock);

    expect(await sendNotification(deps, ref, { receiveCount: 2, maxReceives: 5 }, clock)).toBe('skipped');

    expect(gateway.sent).toHaveLength(1);
    expect((await stored()).attempts).toBe(1);
  });

  it('skips a reference to a notification that does not exist', async () => {
    expect(await sendNotification(deps, ref, firstReceive, clock)).toBe('skipped');
    expect(gateway.sent).toEqual([]);
  });

  it('marks a rejected message failed with its code and a readable message, and does not retry', async () => {
    seed();
    gateway.answer({ kind: 'rejected', errorCode: '21211', errorMessage: "Invalid 'To' Phone Number: +1500555000X" });

    expect(await sendNotification(deps, ref, firstReceive, clock)).toBe('failed');

    expect(await stored()).toMatchObject({
      status: 'failed',
      errorCode: '21211',
      errorMessage: "The 'To' number is not a valid phone number.",
      attempts: 1,
    });
    expect(await sendNotification(deps, ref, { receiveCount: 2, maxReceives: 5 }, clock)).toBe('skipped');
    expect(gateway.sent).toHaveLength(1);
  });

  it('puts the target on the opt-out list when Twilio answers 21610, and suppresses later notifications to it without a send', async () => {
    seed();
    gateway.answer({ kind: 'rejected', errorCode: '21610', errorMessage: 'Attempt to send to unsubscribed recipient' });
    expect(await sendNotification(deps, ref, firstReceive, clock)).toBe('failed');
    expect(await optOuts.get('+14155550100')).toMatchObject({ source: 'twilio-21610' });

    const next = { userId: 'alice', notificationId: '01HZZ00000000000000000000B-R1' };
    seed({ notificationId: next.notificationId, fileId: '01HZZ00000000000000000000B' });
    expect(await sendNotification(deps, next, firstReceive, clock)).toBe('suppressed');
    expect(gateway.sent).toHaveLength(1);
    expect(await notifications.get(next.userId, next.notificationId)).toMatchObject({ status: 'suppressed', errorCode: '21610' });
  });

  it('sends again once the recipient opts back in', async () => {
    await optOuts.add({ phone: '+14155550100', source: 'keyword', at: '2030-01-01T09:00:00.000Z' });
    await optOuts.remove('+14155550100', { source: 'keyword', at: '2030-01-01T09:30:00.000Z' });
    seed();
    expect(await sendNotification(deps, ref, firstReceive, clock)).toBe('sent');
  });

  it("keeps Twilio's own message for a rejection code it has no text for", async () => {
    seed();
    gateway.answer({ kind: 'rejected', errorCode: '21999', errorMessage: 'Something Twilio said.' });
    await sendNotification(deps, ref, firstReceive, clock);
    expect(await stored()).toMatchObject({ status: 'failed', errorCode: '21999', errorMessage: 'Something Twilio said.' });
  });

  it('throws RetryLaterError on a retryable outcome, releases the claim and leaves the notification pending', async () => {
    seed();
    gateway.answer({ kind: 'retryable', errorCode: '20429', errorMessage: 'Too Many Requests' });

    const attempt = sendNotification(deps, ref, firstReceive, clock);
    await expect(attempt).rejects.toBeInstanceOf(RetryLaterError);
    await expect(attempt).rejects.toMatchObject({ errorCode: '20429' });

    const n = await stored();
    expect(n).toMatchObject({ status: 'pending', attempts: 1, errorCode: '20429' });
    expect(n.claimExpiresAt).toBeUndefined();

    // Released, so the very next delivery may send without waiting for the lease to run out.
    expect(await sendNotification(deps, ref, { receiveCount: 2, maxReceives: 5 }, clock)).toBe('sent');
    expect(gateway.sent).toHaveLength(2);
    expect(await stored()).toMatchObject({ status: 'queued', attempts: 2 });
  });

  it('marks the notification failed and gives the record up with its outcome when the last receive is retryable', async () => {
    seed({ attempts: 4 });
    gateway.answer({ kind: 'retryable', errorCode: '20429', errorMessage: 'Too Many Requests' });

    const attempt = sendNotification(deps, ref, { receiveCount: 5, maxReceives: 5 }, clock);
    await expect(attempt).rejects.toBeInstanceOf(GiveUpError);
    await expect(attempt).rejects.toMatchObject({ outcome: { status: 'failed', errorCode: '20429', attempts: 5 } });

    expect(await stored()).toMatchObject({
      status: 'failed',
      errorCode: '20429',
      errorMessage: 'Twilio throttled the request (too many requests).',
      attempts: 5,
    });
  });

  it('defers until the lease ends, without sending or spending a receive, while another sender holds the claim', async () => {
    seed({ attempts: 1, claimExpiresAt: clock().getTime() + 30_000 });

    const deferred = await sendNotification(deps, ref, firstReceive, clock).catch((err: unknown) => err);
    expect(deferred).toBeInstanceOf(DeferError);
    expect((deferred as DeferError).delayAt(clock().getTime())).toBe(30);

    expect(gateway.sent).toEqual([]);
    expect(await stored()).toMatchObject({ status: 'pending', attempts: 1, claimExpiresAt: clock().getTime() + 30_000 });
  });

  it('lets only one of two concurrent senders send', async () => {
    seed();
    const results = await Promise.allSettled([sendNotification(deps, ref, firstReceive, clock), sendNotification(deps, ref, firstReceive, clock)]);
    expect(gateway.sent).toHaveLength(1);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === 'sent')).toHaveLength(1);
  });

  it('takes over the expired claim of a sender that crashed', async () => {
    seed({ attempts: 1, claimExpiresAt: clock().getTime() - 1 });

    expect(await sendNotification(deps, ref, { receiveCount: 2, maxReceives: 5 }, clock)).toBe('sent');

    expect(gateway.sent).toHaveLength(1);
    expect(await stored()).toMatchObject({ status: 'queued', attempts: 2 });
  });

  it('claims for the lease period, so a crash now blocks others only that long', async () => {
    seed();
    const claim = vi.spyOn(notifications, 'claim');
    await sendNotification(deps, ref, firstReceive, clock);
    expect(claim).toHaveBeenCalledWith(ref.userId, ref.notificationId, clock().getTime(), clock().getTime() + CLAIM_LEASE_MS);
  });

  it('sends a whatsapp notification to whatsapp:+E164', async () => {
    seed({ channel: 'whatsapp' });
    await sendNotification(deps, ref, firstReceive, clock);
    expect(gateway.sent[0]).toMatchObject({ to: 'whatsapp:+14155550100', mediaUrls: [] });
  });

  it('attaches the file as one media URL to an mms notification', async () => {
    seed({ channel: 'mms' });
    await sendNotification(deps, ref, firstReceive, clock);
    expect(gateway.sent[0]).toMatchObject({ to: '+14155550100', mediaUrls: [downloadUrl] });
  });

  it('sends an email notification through the email service, not Twilio, and records it as sent', async () => {
    seed({ channel: 'email', target: 'alice@example.com' });

    expect(await sendNotification(deps, ref, firstReceive, clock)).toBe('sent');

    expect(gateway.sent).toEqual([]);
    expect(email.sent).toEqual([
      expect.objectContaining({
        to: 'alice@example.com',
        subject: expect.stringContaining('report.pdf'),
        customArgs: { userId: ref.userId, notificationId: ref.notificationId },
      }),
    ]);
    expect(await stored()).toMatchObject({ status: 'sent', messageSid: 'email-1', attempts: 1 });
    expect(limiter.requests).toEqual([]);
  });

  it('fails an email the service refuses for good, and retries one it may take later', async () => {
    seed({ channel: 'email', target: 'alice@example.com' });
    email.answer({ kind: 'retryable', errorCode: 'SENDGRID_503', errorMessage: 'Service Unavailable' });
    await expect(sendNotification(deps, ref, firstReceive, clock)).rejects.toBeInstanceOf(RetryLaterError);
    expect(await stored()).toMatchObject({ status: 'pending' });
    email.answer({ kind: 'rejected', errorCode: 'SENDGRID_400', errorMessage: 'personalizations.0.to.0.email: Invalid email' });
    expect(await sendNotification(deps, ref, { receiveCount: 2, maxReceives: 5 }, clock)).toBe('failed');
    expect(await stored()).toMatchObject({ status: 'failed', errorCode: 'SENDGRID_400', attempts: 2 });
  });

  it('renders the rule template, with a presigned link for {{downloadUrl}}', async () => {
    seed({ messageTemplate: '{{fileName}} ({{fileType}}, {{sizeKb}} KB, {{tags}}) at {{uploadedAt}}: {{downloadUrl}}' });
    await sendNotification(deps, ref, firstReceive, clock);
    expect(gateway.sent[0]?.body).toBe(`q3-report.pdf (pdf, 200 KB, finance, q3) at 2030-01-01T09:58:00.000Z: ${downloadUrl}`);
  });

  it('signs no download link when neither the template nor the channel needs one', async () => {
    seed({ messageTemplate: 'Got {{fileName}}' });
    await sendNotification(deps, ref, firstReceive, clock);
    expect(gateway.sent[0]?.body).toBe('Got q3-report.pdf');
    expect(store.downloadsSigned).toEqual([]);
  });

  it('still records the SID when a status callback advanced the notification before the sender stored it', async () => {
    seed();
    gateway.answer(async () => {
      // Twilio's callback lands while the send request is still returning.
      await notifications.advance(ref.userId, ref.notificationId, { status: 'sent', at: clock().toISOString() });
      return { kind: 'accepted', messageSid: 'SM0042', status: 'queued' };
    });
    const recordMessageSid = vi.spyOn(notifications, 'recordMessageSid');

    expect(await sendNotification(deps, ref, firstReceive, clock)).toBe('sent');

    expect(recordMessageSid).toHaveBeenCalledWith(ref.userId, ref.notificationId, 'SM0042', expect.objectContaining({ encoding: 'GSM-7', segments: 1 }));
    const n = await stored();
    expect(n).toMatchObject({ status: 'sent', messageSid: 'SM0042' });
    expect(n.history.map((h) => h.status)).toEqual(['pending', 'sent']);
    expect(await notifications.findByMessageSid('SM0042')).toEqual(ref);
  });
});

describe('an attempt whose outcome was lost', () => {
  /** Twilio takes the message, but its answer never reaches the sender (a 5xx after accepting, or a crash). */
  const acceptedThenLost = (sid: string) => (message: { to: string; body: string }) => {
    gateway.held.push({ sid, to: message.to, body: message.body, createdAt: clock() });
    return { kind: 'retryable', errorCode: '20500', errorMessage: 'Internal error' } as const;
  };

  it('adopts the message Twilio already holds instead of sending a second one', async () => {
    notifications.seed(seed());
    gateway.answer(acceptedThenLost('SM0000000000000000000000000000ab12'));
    await expect(sendNotification(deps, ref, firstReceive, clock)).rejects.toBeInstanceOf(RetryLaterError);
    clock.advance(30_000);

    expect(await sendNotification(deps, ref, { receiveCount: 2, maxReceives: 5 }, clock)).toBe('sent');
    expect(gateway.sent).toHaveLength(1);
    expect(await notifications.get(ref.userId, ref.notificationId)).toMatchObject({
      status: 'queued',
      messageSid: 'SM0000000000000000000000000000ab12',
      attempts: 2,
    });
  });

  it('adopts the send of a sender that died before recording it, once its claim has expired', async () => {
    notifications.seed(seed({ attempts: 1, claimExpiresAt: clock().getTime() - 1 }));
    const body = 'New file uploaded: q3-report.pdf (200 KB)';
    gateway.held.push({ sid: 'SM00000000000000000000000000000dead', to: '+14155550100', body, createdAt: clock() });

    expect(await sendNotification(deps, ref, { receiveCount: 2, maxReceives: 5 }, clock)).toBe('sent');
    expect(gateway.sent).toEqual([]);
    expect((await notifications.get(ref.userId, ref.notificationId))!.messageSid).toBe('SM00000000000000000000000000000dead');
  });

  it('sends anew when the same text to the same person belongs to another notification', async () => {
    notifications.seed(seed({ attempts: 1, claimExpiresAt: clock().getTime() - 1 }));
    notifications.seed(seed({ notificationId: 'other', status: 'delivered', messageSid: 'SM000000000000000000000000000000aa' }));
    gateway.held.push({ sid: 'SM000000000000000000000000000000aa', to: '+14155550100', body: 'New file uploaded: q3-report.pdf (200 KB)', createdAt: clock() });

    expect(await sendNotification(deps, ref, { receiveCount: 2, maxReceives: 5 }, clock)).toBe('sent');
    expect(gateway.sent).toHaveLength(1);
    expect((await notifications.get(ref.userId, ref.notificationId))!.messageSid).not.toBe('SM000000000000000000000000000000aa');
  });

  it('sends nothing while Twilio cannot be asked about the earlier attempt, and comes back later', async () => {
    notifications.seed(seed({ attempts: 1, claimExpiresAt: clock().getTime() - 1 }));
    gateway.findSent = async () => {
      throw new Error('Twilio answered HTTP 503');
    };

    await expect(sendNotification(deps, ref, { receiveCount: 2, maxReceives: 5 }, clock)).rejects.toBeInstanceOf(RetryLaterError);
    expect(gateway.sent).toEqual([]);
    expect(await notifications.get(ref.userId, ref.notificationId)).toMatchObject({ status: 'pending', errorCode: 'LOOKUP_FAILED' });
    expect((await notifications.get(ref.userId, ref.notificationId))!.claimExpiresAt).toBeUndefined();
  });
});

describe('pacing and the circuit breaker', () => {
  it('defers a new message behind a booked backlog before claiming it, so waiting costs no attempt, and brings its slot back', async () => {
    seed();
    const slot = clock().getTime() + 1500;
    limiter.turns.push({ kind: 'wait', until: slot, slot });
    const attempt = sendNotification(deps, ref, firstReceive, clock);
    await expect(attempt).rejects.toBeInstanceOf(DeferError);
    const deferred = (await attempt.catch((e: DeferError) => e)) as DeferError;
    // Rounded up: whole-second delays bring it back at its slot or after, never before.
    expect(deferred.delaySeconds).toBe(2);
    expect(deferred.until).toBe(slot);
    expect(JSON.parse(deferred.body!)).toEqual({ ...ref, notBefore: slot });
    expect(gateway.sent).toHaveLength(0);
    expect(await stored()).toMatchObject({ status: 'pending', attempts: 0 });

    const later = () => new Date(slot + 200);
    expect(await sendNotification(deps, { ...ref, notBefore: slot }, firstReceive, later)).toBe('sent');
    expect(limiter.requests).toEqual([
      { ask: 'turn', now: clock().getTime(), slot: undefined },
      { ask: 'turn', now: slot + 200, slot },
      { ask: 'acquire', now: slot + 200, slot },
    ]);
  });

  it('takes the rate right before the send, and gives the claim back uncounted when it must wait', async () => {
    seed();
    const slot = clock().getTime() + 30;
    limiter.answers.push({ kind: 'wait', until: slot, slot });
    // The shortest delay SQS has is a second, however close the slot.
    await expect(sendNotification(deps, ref, firstReceive, clock)).rejects.toMatchObject({ delaySeconds: 1, until: slot });
    expect(gateway.sent).toHaveLength(0);
    const n = await stored();
    expect(n).toMatchObject({ status: 'pending', attempts: 0 });
    expect(n.claimExpiresAt).toBeUndefined();

    expect(await sendNotification(deps, { ...ref, notBefore: slot }, firstReceive, clock)).toBe('sent');
    expect(await stored()).toMatchObject({ status: 'queued', attempts: 1 });
  });

  it('brings a message back as new when the limiter gave it no slot', async () => {
    seed();
    limiter.answers.push({ kind: 'wait', until: clock().getTime() + 1000 });
    const deferred = (await sendNotification(deps, ref, firstReceive, clock).catch((e: DeferError) => e)) as DeferError;
    expect(deferred).toBeInstanceOf(DeferError);
    expect(JSON.parse(deferred.body!)).toEqual(ref);
    expect(await stored()).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('opens after consecutive retryable failures and then defers sends without calling Twilio', async () => {
    for (let i = 0; i < 3; i++) {
      const r = { userId: 'alice', notificationId: `01HZZ0000000000000000000${i}A-R1` };
      seed({ notificationId: r.notificationId });
      gateway.answer({ kind: 'retryable', errorCode: '20500', errorMessage: 'Internal Server Error' });
      await expect(sendNotification(deps, r, firstReceive, clock)).rejects.toBeInstanceOf(RetryLaterError);
    }
    seed();
    const attempt = sendNotification(deps, ref, firstReceive, clock);
    await expect(attempt).rejects.toBeInstanceOf(DeferError);
    await expect(attempt).rejects.toMatchObject({ delaySeconds: 30 });
    expect(gateway.sent).toHaveLength(3);
    expect(await stored()).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('closes again on the first success after the cool-down', async () => {
    await breaker.recordFailure(clock().getTime());
    await breaker.recordFailure(clock().getTime());
    seed();
    expect(await sendNotification(deps, ref, firstReceive, clock)).toBe('sent');
    expect(breaker.failures).toBe(0);
  });
});

describe('the opt-out line on rule notifications', () => {
  const footer = ' Reply STOP to opt out.';

  it('ends the rendered text with it and records the recipient as told', async () => {
    const contacts = new FakeSendGuards();
    seed({ optOutLine: true, optOutFooter: footer });
    expect(await sendNotification({ ...deps, contacts }, ref, firstReceive, clock)).toBe('sent');
    expect(gateway.sent[0]?.body).toBe(`New file uploaded: q3-report.pdf (200 KB)${footer}`);
    expect(await contacts.hasContacted('alice', '+14155550100')).toBe(true);
  });

  it('leaves it off a text that already speaks of STOP, and then does not count the recipient as told', async () => {
    const contacts = new FakeSendGuards();
    seed({ optOutLine: true, optOutFooter: footer, messageTemplate: '{{fileName}} is in. Text STOP to end these.' });
    await sendNotification({ ...deps, contacts }, ref, firstReceive, clock);
    expect(gateway.sent[0]?.body).toBe('q3-report.pdf is in. Text STOP to end these.');
    expect(await contacts.hasContacted('alice', '+14155550100')).toBe(false);
  });

  it('leaves it off where it would take the text past 1,600 characters', async () => {
    const contacts = new FakeSendGuards();
    seed({ optOutLine: true, optOutFooter: footer, messageTemplate: `${'x'.repeat(1590)}{{fileType}}` });
    await sendNotification({ ...deps, contacts }, ref, firstReceive, clock);
    expect(gateway.sent[0]?.body).toHaveLength(1593);
    expect(await contacts.hasContacted('alice', '+14155550100')).toBe(false);
  });
});
