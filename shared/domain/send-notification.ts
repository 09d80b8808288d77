import { maskPhone, reportActivity } from '../activity.ts';
import { DeferError, GiveUpError, RetryLaterError } from '../errors.ts';
import { metricNames } from '../metric-names.ts';
import { countMetric } from '../metrics.ts';
import { notificationRefBody } from '../schemas/notification-ref.schema.ts';
import type {
  CircuitBreaker,
  EmailGateway,
  FileStore,
  MessageGateway,
  NotificationRecord,
  NotificationRepository,
  OptOutRepository,
  Pace,
  RateLimiter,
  ScheduledSends,
  SendGuards,
  SettingsRepository,
  UserSettings,
} from '../ports.ts';
import { DOWNLOAD_URL_TTL_SECONDS } from './files.ts';
import { DEFAULT_TEMPLATE, formatKb, MAX_TEMPLATE_LENGTH, renderTemplate, templateUses } from './message-template.ts';
import { isPriority } from './priority.ts';
import { afterQuietHours, mentionsStop, settingsOf, TIMER_HORIZON_MS } from './settings.ts';
import { smsSize } from './sms-segments.ts';
import { TIMER_LEAD_MS } from './timer.ts';
import { describeTwilioError } from './twilio-errors.ts';

/** How long a claim lets one sender send; longer than the sender's timeout, so a live sender never loses it. */
export const CLAIM_LEASE_MS = 60_000;

const THROTTLED = new Set(['20429', 'HTTP_429']);

export interface SendDeps {
  notifications: NotificationRepository & Pick<ScheduledSends, 'promoteAndClaim' | 'reschedule'>;
  gateway: MessageGateway;
  email: EmailGateway;
  store: FileStore;
  optOuts: OptOutRepository;
  limiter: RateLimiter;
  breaker: CircuitBreaker;
  /** Where Twilio should post this notification's status callbacks. */
  statusCallbackUrl: (n: NotificationRecord) => string;
  /** Remembers recipients who got the opt-out line. */
  contacts?: Pick<SendGuards, 'recordContact'>;
  /** The owners' quiet hours, read again when a scheduled send's time comes. */
  settings?: SettingsRepository;
}

export interface Delivery {
  /** How many times the queue has handed this record out, this time included. */
  receiveCount: number;
  /** The receive after which the queue gives the record to its dead-letter queue. */
  maxReceives: number;
}

export type SendResult = 'sent' | 'failed' | 'suppressed' | 'skipped';

/**
 * Sends one notification at most once. A conditional claim makes this sender the only one
 * that may call Twilio for it; the SID is stored as soon as Twilio answers. A notification no
 * longer pending has been handled and is skipped, so redeliveries change nothing.
 */
export async function sendNotification(
  deps: SendDeps,
  ref: { userId: string; notificationId: string; notBefore?: number; dueAt?: string },
  delivery: Delivery,
  now: () => Date = () => new Date(),
): Promise<SendResult> {
  // A scheduled send's timer needs the owner's quiet hours, and every send the breaker's state:
  // both are read alongside the notification rather than after it.
  const [current, settings, breakerOpenMs] = await Promise.all([
    deps.notifications.get(ref.userId, ref.notificationId),
    ref.dueAt !== undefined && deps.settings ? settingsOf(deps.settings, ref.userId) : undefined,
    deps.breaker.openFor(now().getTime()),
  ]);
  // A scheduled send is promoted only by the timer for its current due time, and then in the
  // same write that claims it (below), so nothing between the two can slip in.
  const scheduled = current?.status === 'scheduled' && (await dueNow(deps, current, ref, settings, now));
  if (!current || (current.status !== 'pending' && !scheduled)) return 'skipped';

  // Waiting for Twilio to recover, or for a send slot, happens on the queue, not in the Lambda,
  // and before the claim, so it costs the notification no attempt.
  const openMs = current.channel === 'email' ? 0 : breakerOpenMs;
  if (openMs > 0) throw new DeferError('Twilio keeps failing; sends pause until the circuit closes.', Math.ceil(openMs / 1000));
  // The account's rate is shared by every sender. A message that cannot go now is put back on
  // the queue until its turn, carrying the slot it booked, so it waits there about once.
  const priority = isPriority(current.priority);
  if (current.channel !== 'email') deferUnlessSend(ref, now().getTime(), await deps.limiter.turn(now().getTime(), ref.notBefore, priority));

  const startedAt = now().getTime();
  const n =
    (scheduled
      ? await deps.notifications.promoteAndClaim(ref.userId, ref.notificationId, current.dueAt!, now().toISOString(), startedAt + CLAIM_LEASE_MS)
      : undefined) ?? (await deps.notifications.claim(ref.userId, ref.notificationId, startedAt, startedAt + CLAIM_LEASE_MS));
  if (!n) {
    const again = await deps.notifications.get(ref.userId, ref.notificationId);
    if (again?.status !== 'pending') return 'skipped';
    // Another sender holds it, or a dead one did: come back when its lease ends, without spending
    // one of the record's receives (a crashed sender's lease may outlast every backoff step).
    const until = again.claimExpiresAt ?? startedAt + CLAIM_LEASE_MS;
    throw new DeferError(
      `Notification ${ref.notificationId} is held by another sender until its lease ends.`,
      Math.ceil((until - startedAt) / 1000),
      undefined,
      until,
    );
  }

  // Opted-out recipients get nothing, whatever channel; sms, mms and whatsapp share the number.
  if (n.channel !== 'email' && (await deps.optOuts.get(n.target))) {
    await deps.notifications.advance(n.userId, n.notificationId, {
      status: 'suppressed',
      at: now().toISOString(),
      errorCode: '21610',
      errorMessage: 'Not sent: the recipient has opted out of messages from this sender.',
    });
    reportActivity(`notification ${n.notificationId} suppressed: ${maskPhone(n.target)} has opted out`, { notificationId: n.notificationId });
    return 'suppressed';
  }

  const body = await messageBody(deps.store, n);
  if (n.channel === 'email') return sendEmail(deps, n, body, delivery, now);

  const to = n.channel === 'whatsapp' ? `whatsapp:${n.target}` : n.target;
  // An earlier attempt that ended with no known outcome (its sender died, or Twilio's answer was
  // lost) may have been accepted: look for that message before sending another.
  if (n.attempts > 1) {
    const earlier = await findEarlierSend(deps, n, to, body).catch(async (err: unknown) => {
      await deps.notifications.release(n.userId, n.notificationId, {
        errorCode: 'LOOKUP_FAILED',
        errorMessage: 'Could not ask Twilio whether an earlier attempt was sent.',
      });
      throw new RetryLaterError(`Could not look for an earlier send of ${n.notificationId}: ${String(err)}`, 'LOOKUP_FAILED');
    });
    if (earlier) {
      await recordAccepted(deps, n, earlier, body, now);
      reportActivity(`notification ${n.notificationId} was already sent as ${earlier}; adopted instead of sending again`, {
        notificationId: n.notificationId,
        messageSid: earlier,
      });
      return 'sent';
    }
  }

  const mediaUrls = n.channel === 'mms' ? await mediaUrlsOf(deps.store, n) : [];
  // The rate is taken last, right before the send, so that nothing between the two adds jitter.
  const at = now().getTime();
  const pace = await deps.limiter.acquire(at, ref.notBefore, priority).catch(async (err: unknown) => {
    await deps.notifications.unclaim(n.userId, n.notificationId, startedAt + CLAIM_LEASE_MS);
    throw err;
  });
  // A timer comes back up to its lead before the due time; the send waits on the queue until then.
  const due = ref.dueAt === undefined ? 0 : Date.parse(ref.dueAt);
  const early = due > now().getTime();
  if (pace.kind === 'wait' || early) await deps.notifications.unclaim(n.userId, n.notificationId, startedAt + CLAIM_LEASE_MS);
  deferUnlessSend(ref, at, pace);
  if (early) throw notDueYet(ref, due, now().getTime());

  const outcome = await deps.gateway.send({
    to,
    ...(n.from ? { from: n.channel === 'whatsapp' ? `whatsapp:${n.from}` : n.from } : {}),
    body,
    mediaUrls,
    statusCallback: deps.statusCallbackUrl(n),
  });

  // Throttling (429) says Twilio is up and busy, which pacing handles; only failures open the circuit.
  if (outcome.kind === 'retryable' && !THROTTLED.has(outcome.errorCode)) await deps.breaker.recordFailure(now().getTime());
  else await deps.breaker.recordSuccess();
  if (outcome.kind === 'retryable' && THROTTLED.has(outcome.errorCode)) countMetric(metricNames.throttled);

  switch (outcome.kind) {
    case 'accepted':
      await recordAccepted(deps, n, outcome.messageSid, body, now);
      reportActivity(`notification ${n.notificationId} sent by ${n.channel} to ${maskPhone(n.target)} as ${outcome.messageSid}`, {
        notificationId: n.notificationId,
        messageSid: outcome.messageSid,
      });
      return 'sent';
    case 'rejected':
      // 21610: the recipient replied STOP to this sender; later matches are suppressed until they opt back in.
      if (outcome.errorCode === '21610') await deps.optOuts.add({ phone: n.target, source: 'twilio-21610', at: now().toISOString() });
      await fail(deps, n, outcome.errorCode, describeTwilioError(outcome.errorCode, outcome.errorMessage), now);
      return 'failed';
    case 'retryable':
      if (delivery.receiveCount >= delivery.maxReceives) {
        const errorMessage = describeTwilioError(outcome.errorCode, outcome.errorMessage);
        await fail(deps, n, outcome.errorCode, errorMessage, now);
        throw new GiveUpError(errorMessage, { status: 'failed', errorCode: outcome.errorCode, attempts: n.attempts });
      }
      countMetric(metricNames.sendErrors, ['errorCode', outcome.errorCode]);
      await deps.notifications.release(n.userId, n.notificationId, outcome);
      throw new RetryLaterError(`Twilio send failed (${outcome.errorCode}): ${outcome.errorMessage}`, outcome.errorCode);
  }
}

/** Records that Twilio accepted the notification's message. */
async function recordAccepted(deps: SendDeps, n: NotificationRecord, messageSid: string, body: string, now: () => Date): Promise<void> {
  const size = smsSize(body);
  const advanced = await deps.notifications.advance(n.userId, n.notificationId, { status: 'queued', at: now().toISOString(), messageSid, size });
  // A status callback got there first and moved the status on; the SID still belongs here.
  if (!advanced) await deps.notifications.recordMessageSid(n.userId, n.notificationId, messageSid, size);
  const toldHowToOptOut = n.optOutLine && (n.optOutFooter === undefined || body.endsWith(n.optOutFooter));
  if (toldHowToOptOut) await deps.contacts?.recordContact(n.userId, n.target, now().toISOString());
}

/** How far before the notification's creation a search reaches, for clocks that disagree. */
const EARLIER_SEND_SKEW_MS = 5 * 60_000;

/**
 * The SID of a message Twilio holds for this notification but the log does not: the oldest one to
 * the same recipient with the same text since the notification was made, that no other
 * notification owns (the same text may well go to the same person twice, on purpose).
 */
async function findEarlierSend(deps: SendDeps, n: NotificationRecord, to: string, body: string): Promise<string | undefined> {
  const since = new Date(Date.parse(n.createdAt) - EARLIER_SEND_SKEW_MS);
  for (const sid of await deps.gateway.findSent({ to, body, since })) {
    const owner = await deps.notifications.findByMessageSid(sid);
    if (!owner || (owner.userId === n.userId && owner.notificationId === n.notificationId)) return sid;
  }
  return undefined;
}

/**
 * Email has no carrier callbacks: SendGrid's 202 means it took the message, which the
 * notification records as `sent` with SendGrid's message id. Failures follow the same classes.
 */
async function sendEmail(deps: SendDeps, n: NotificationRecord, body: string, delivery: Delivery, now: () => Date): Promise<SendResult> {
  const outcome = await deps.email.send({
    to: n.target,
    subject: n.file ? `New file: ${n.file.fileName}` : 'New message',
    body,
    customArgs: { userId: n.userId, notificationId: n.notificationId },
  });
  switch (outcome.kind) {
    case 'accepted':
      await deps.notifications.advance(n.userId, n.notificationId, { status: 'sent', at: now().toISOString(), messageSid: outcome.messageSid });
      return 'sent';
    case 'rejected':
      await fail(deps, n, outcome.errorCode, outcome.errorMessage, now);
      return 'failed';
    case 'retryable':
      if (delivery.receiveCount >= delivery.maxReceives) {
        await fail(deps, n, outcome.errorCode, outcome.errorMessage, now);
        throw new GiveUpError(outcome.errorMessage, { status: 'failed', errorCode: outcome.errorCode, attempts: n.attempts });
      }
      countMetric(metricNames.sendErrors, ['errorCode', outcome.errorCode]);
      await deps.notifications.release(n.userId, n.notificationId, outcome);
      throw new RetryLaterError(`Email send failed (${outcome.errorCode}): ${outcome.errorMessage}`, outcome.errorCode);
  }
}

function deferUnlessSend(ref: { userId: string; notificationId: string; dueAt?: string }, at: number, pace: Pace): void {
  if (pace.kind === 'send') return;
  throw new DeferError(
    'Waiting for a send slot within the account rate.',
    // SQS delays are whole seconds: rounding up brings the message back at its slot or after, never before.
    Math.max(1, Math.ceil((pace.until - at) / 1000)),
    notificationRefBody.build({ userId: ref.userId, notificationId: ref.notificationId, notBefore: pace.slot, ...(ref.dueAt ? { dueAt: ref.dueAt } : {}) }),
    pace.until,
  );
}

async function fail(deps: SendDeps, n: NotificationRecord, errorCode: string, errorMessage: string, now: () => Date) {
  await deps.notifications.advance(n.userId, n.notificationId, { status: 'failed', at: now().toISOString(), errorCode, errorMessage });
  countMetric(metricNames.sendErrors, ['errorCode', errorCode]);
  reportActivity(`notification ${n.notificationId} failed (${errorCode}): ${errorMessage}`, { notificationId: n.notificationId, errorCode });
}

/**
 * Whether a scheduled notification's time has come for this queue message: only the timer for
 * its current schedule counts, so a timer set before a cancel or a reschedule finds the
 * notification canceled or due at another time, and sends nothing. A timer that fires early
 * (SQS delays stop at 15 minutes) goes back on the queue until the due time; one that fires
 * inside quiet hours moves the send to the window's end.
 */
async function dueNow(
  deps: SendDeps,
  current: NotificationRecord,
  ref: { userId: string; notificationId: string; dueAt?: string },
  settings: UserSettings | undefined,
  now: () => Date,
): Promise<boolean> {
  if (!current.dueAt || ref.dueAt !== current.dueAt) return false;
  const due = Date.parse(current.dueAt);
  const at = now().getTime();
  // Within the timer's lead it goes on: the time is looked at again right before Twilio.
  if (due - at > TIMER_LEAD_MS) throw notDueYet(ref, due, at);
  // Judged at the due time, not the arrival: a timer back within its lead for the end of a
  // window is not held by the window it was scheduled to leave.
  const heldUntil = quietHoursHold(settings, current, Math.max(at, due));
  if (heldUntil === undefined) return true;
  const dueAt = new Date(heldUntil).toISOString();
  const held = { userId: current.userId, notificationId: current.notificationId };
  // Conditional on the time it was due, so a reschedule or cancel made meanwhile wins.
  if (!(await deps.notifications.reschedule(held.userId, held.notificationId, dueAt, now().toISOString(), current.dueAt))) return false;
  reportActivity(`notification ${held.notificationId} held by quiet hours until ${dueAt}`, { notificationId: held.notificationId });
  // Back among the due items, so the sweep sets a timer for a later end; a near one is set here.
  if (heldUntil - at <= TIMER_HORIZON_MS)
    throw new DeferError('Held by quiet hours.', Math.ceil((heldUntil - at) / 1000), notificationRefBody.build({ ...held, dueAt }), heldUntil);
  return false;
}

/** Puts a send back on the queue until its due time: SQS's whole seconds bring it back then or just after. */
function notDueYet(ref: { userId: string; notificationId: string; dueAt?: string }, due: number, at: number): DeferError {
  const body = notificationRefBody.build({ userId: ref.userId, notificationId: ref.notificationId, dueAt: ref.dueAt });
  return new DeferError('Not due yet.', Math.max(1, Math.ceil((due - at) / 1000)), body, due);
}

/**
 * Quiet hours are read again when a scheduled send's time comes, so a window saved (or moved)
 * after it was scheduled still holds it: the end of the window, or undefined when it may go.
 */
function quietHoursHold(settings: UserSettings | undefined, n: NotificationRecord, at: number): number | undefined {
  if (!settings) return undefined;
  const until = afterQuietHours(at, n.priority ?? 0, settings, n.timezone);
  return until > at ? until : undefined;
}

async function mediaUrlsOf(store: FileStore, n: NotificationRecord): Promise<string[]> {
  const items = n.media ?? (n.file ? [n.file] : []);
  return Promise.all(items.map((m) => store.presignDownload(m.objectKey, m.fileName, DOWNLOAD_URL_TTL_SECONDS)));
}

/**
 * An API send's text as rendered when it was requested; a rule's template (or the default)
 * filled from the file, a download link signed only if asked for.
 */
async function messageBody(store: FileStore, n: NotificationRecord): Promise<string> {
  if (n.body !== undefined || !n.file) return n.body ?? '';
  const text = await renderRuleText(store, n, n.file);
  // The line goes only where it fits within Twilio's limit and the text does not already speak of STOP.
  const footer = n.optOutFooter;
  return footer && !mentionsStop(text) && text.length + footer.length <= MAX_TEMPLATE_LENGTH ? text + footer : text;
}

async function renderRuleText(store: FileStore, n: NotificationRecord, file: NonNullable<NotificationRecord['file']>): Promise<string> {
  const template = n.messageTemplate ?? DEFAULT_TEMPLATE;
  const downloadUrl = templateUses(template, 'downloadUrl') ? await store.presignDownload(file.objectKey, file.fileName, DOWNLOAD_URL_TTL_SECONDS) : '';
  return renderTemplate(template, {
    fileName: file.fileName,
    fileType: file.fileType,
    sizeKb: formatKb(file.sizeBytes),
    tags: file.tags.join(', '),
    uploadedAt: file.uploadedAt,
    downloadUrl,
  });
}
