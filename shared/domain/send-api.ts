import { createHash } from 'node:crypto';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type {
  FileRepository,
  GuardScope,
  NotificationQueue,
  NotificationRecord,
  NotificationRef,
  NotificationRepository,
  NotificationSource,
  ScheduledSends,
  SendGuards,
  SettingsRepository,
  TemplateRepository,
} from '../ports.ts';
import { MAX_BATCH, MAX_SCHEDULE_AHEAD_MS, type SendRequest } from '../schemas/notification.schema.ts';
import { mapLimit } from './map-limit.ts';
import { newId } from './ids.ts';
import { MAX_TEMPLATE_LENGTH } from './message-template.ts';
import { cancelableStatuses } from './notification-status.ts';
import { toE164 } from './phone.ts';
import { DEFAULT_TARGET_POLICY, targetRefusal, type TargetPolicy } from './target-policy.ts';
import { smsSize } from './sms-segments.ts';
import { afterQuietHours, mentionsStop, settingsOf, TIMER_HORIZON_MS } from './settings.ts';
import { renderUserTemplate } from './templates.ts';
import { timerDelaySeconds } from './timer.ts';

/** Twilio refuses longer bodies (21617). */
export const MAX_BODY_LENGTH = MAX_TEMPLATE_LENGTH;
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** A schedule this far in the past is a mistake, not clock skew between client and server. */
const PAST_GRACE_MS = 1_000;
/** How long a guard may point at a notification not yet written before a retry may take it over. */
const IN_FLIGHT_MS = 30_000;

export interface SendApiDeps {
  notifications: NotificationRepository & ScheduledSends;
  queue: NotificationQueue;
  guards: SendGuards;
  settings: SettingsRepository;
  templates: TemplateRepository;
  files: FileRepository;
  /** Which numbers may be texted (the operator's countries and number types); premium-rate and shared-cost refused when absent. */
  targetPolicy?: TargetPolicy;
}

export interface SendAnswer {
  /** 201 for a new notification, 200 for one an idempotency key or the dedup window returned. */
  statusCode: 200 | 201;
  notification: NotificationRecord;
  duplicate?: boolean;
  /** The timer the caller still has to put on the queue, when asked to leave it (batches enqueue together). */
  timer?: NotificationRef;
}

export class NotCancelableError extends AppError {
  constructor(status: string) {
    super(`The notification is ${status}; only scheduled or pending ones can be canceled.`, { code: 'NOT_CANCELABLE', statusCode: 409 });
  }
}

export class NotReschedulableError extends AppError {
  constructor(status: string) {
    super(`The notification is ${status}; only scheduled ones can be rescheduled.`, { code: 'NOT_RESCHEDULABLE', statusCode: 409 });
  }
}

const bad = (field: string, message: string) => new ValidationError(message, [{ field, message }]);

/** The recipient as stored: E.164 for phone channels, a lower-case address for email. */
function recipientOf(req: SendRequest, policy: TargetPolicy = DEFAULT_TARGET_POLICY): string {
  if (req.channel === 'email') {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(req.to)) throw bad('to', 'to must be an email address for the email channel.');
    return req.to.toLowerCase();
  }
  const e164 = toE164(req.to.replace(/^whatsapp:/, ''));
  if (!e164) throw bad('to', `to must be a valid phone number in E.164 form (such as +14155550100) for the ${req.channel} channel.`);
  const refusal = targetRefusal('to', e164, policy);
  if (refusal) throw bad('to', refusal);
  return e164;
}

/** A time a send may be scheduled for: not in the past, at most a year ahead. */
function checkSchedule(sendAt: string, now: number): number {
  const at = Date.parse(sendAt);
  if (at < now - PAST_GRACE_MS) throw bad('sendAt', `sendAt ${sendAt} is in the past; leave it out to send now.`);
  if (at > now + MAX_SCHEDULE_AHEAD_MS) throw bad('sendAt', 'sendAt must be at most a year ahead.');
  return at;
}

/**
 * Creates one API send. Everything that can refuse the request is checked before anything is
 * written, so a 4xx leaves no trace. Then, each with one conditional write: the idempotency key,
 * the dedup window on (to, rendered body), the notification itself. A send due now is enqueued
 * at once; one due within 15 minutes is enqueued with a delay; later ones wait in the due index
 * for the schedule sweep. Every API send is written in the due index and taken out once its timer
 * is on the queue, so a crash between the write and the enqueue is repaired by the next sweep.
 */
export async function createSend(
  deps: SendApiDeps,
  userId: string,
  req: SendRequest,
  clock: () => Date = () => new Date(),
  opts: { enqueue?: boolean; source?: NotificationSource; from?: string } = {},
): Promise<SendAnswer> {
  const now = clock().getTime();
  const at = new Date(now).toISOString();
  const to = recipientOf(req, deps.targetPolicy);
  const requested = req.sendAt !== undefined ? checkSchedule(req.sendAt, now) : undefined;

  let rendered: string;
  if (req.templateId !== undefined) {
    const template = await deps.templates.get(userId, req.templateId);
    if (!template) throw bad('templateId', `Template ${req.templateId} was not found.`);
    rendered = renderUserTemplate(template.body, req.variables ?? {});
  } else {
    rendered = req.body!;
  }
  const settings = await settingsOf(deps.settings, userId);
  // The line goes on every message until one carrying it has been sent, so a canceled first
  // message does not leave the recipient without it.
  const footer =
    req.channel !== 'email' && settings.optOutFooter && !mentionsStop(rendered) && !(await deps.guards.hasContacted(userId, to)) ? settings.optOutFooter : '';
  const body = rendered + footer;
  if (body.length > MAX_BODY_LENGTH) {
    throw bad(
      'body',
      `The message is ${body.length} characters${footer ? ' with the opt-out line' : ''} after rendering; Twilio takes at most ${MAX_BODY_LENGTH}.`,
    );
  }
  const media = req.mediaFileIds ? await mediaOf(deps.files, userId, req.mediaFileIds) : undefined;

  const due = afterQuietHours(requested ?? now, req.priority, settings, req.timezone);
  const notificationId = newId(now);

  if (req.idempotencyKey !== undefined) {
    const earlier = await holdGuard(deps, 'idempotency', userId, req.idempotencyKey, notificationId, now, now + IDEMPOTENCY_TTL_MS);
    if (earlier) return { statusCode: 200, notification: earlier };
  }
  if (settings.dedupWindowSeconds > 0) {
    const fingerprint = createHash('sha256').update(`${req.channel}\n${to}\n${rendered}`).digest('base64url');
    const earlier = await holdGuard(deps, 'dedup', userId, fingerprint, notificationId, now, now + settings.dedupWindowSeconds * 1000);
    if (earlier) {
      // The key now answers with the notification this request turned out to be.
      if (req.idempotencyKey !== undefined) {
        await deps.guards.replace(
          'idempotency',
          userId,
          req.idempotencyKey,
          { notificationId, takenAt: now },
          earlier.notificationId,
          now,
          now + IDEMPOTENCY_TTL_MS,
        );
      }
      return { statusCode: 200, notification: earlier, duplicate: true };
    }
  }

  const size = req.channel === 'email' ? undefined : smsSize(body);
  const status = due > now ? 'scheduled' : 'pending';
  const record: NotificationRecord = {
    userId,
    notificationId,
    source: opts.source ?? 'api',
    channel: req.channel,
    target: to,
    ...(opts.from !== undefined ? { from: opts.from } : {}),
    status,
    attempts: 0,
    createdAt: at,
    updatedAt: at,
    history: [{ status, at }],
    body,
    ...(req.templateId !== undefined ? { templateId: req.templateId } : {}),
    priority: req.priority,
    ...(due > now ? { sendAt: new Date(due).toISOString() } : {}),
    dueAt: new Date(due).toISOString(),
    ...(req.metadata !== undefined ? { metadata: req.metadata } : {}),
    ...(req.timezone !== undefined ? { timezone: req.timezone } : {}),
    ...(media ? { media } : {}),
    ...(footer ? { optOutLine: true } : {}),
    ...(size ? { encoding: size.encoding, segments: size.segments } : {}),
  };
  const stored = await deps.notifications.createIfAbsent(record);
  if (opts.enqueue === false) {
    return { statusCode: 201, notification: stored, ...(dueSoon(stored, now) ? { timer: timerFor(stored, now) } : {}) };
  }
  await setTimerIfDueSoon(deps, stored, now);
  return { statusCode: 201, notification: stored };
}

export { MAX_BATCH };
const BATCH_CONCURRENCY = 8;

export type BatchResult =
  | { index: number; status: 200 | 201; notification: NotificationRecord; duplicate?: boolean }
  | { index: number; status: number; error: { code: string; message: string; details?: unknown } };

/**
 * Creates up to 100 sends, each exactly as POST /notifications would, and reports each one's
 * outcome: a bad item fails alone. The timers of the sends due soon go on the queue together,
 * in batches of ten, before they leave the due index.
 */
export async function createBatch(
  deps: SendApiDeps,
  userId: string,
  items: readonly unknown[],
  parse: (item: unknown) => SendRequest,
  clock: () => Date = () => new Date(),
): Promise<BatchResult[]> {
  // One read of the user's settings serves the whole batch.
  const settings = await settingsOf(deps.settings, userId);
  const batchDeps: SendApiDeps = { ...deps, settings: { get: async () => settings, put: () => Promise.reject(new Error('read only')) } };
  const numbered = items.map((item, index) => ({ item, index }));
  const answers = await mapLimit(numbered, BATCH_CONCURRENCY, async ({ item, index }): Promise<BatchResult & { timer?: NotificationRef }> => {
    try {
      const answer = await createSend(batchDeps, userId, parse(item), clock, { enqueue: false });
      return { index, status: answer.statusCode, notification: answer.notification, ...(answer.duplicate ? { duplicate: true } : {}), timer: answer.timer };
    } catch (err) {
      if (!(err instanceof AppError) || !err.expose) throw err;
      return { index, status: err.statusCode, error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
    }
  });
  const timers = answers.flatMap((a) => (a.timer ? [a.timer] : []));
  await deps.queue.enqueue(timers);
  await Promise.all(timers.map((t) => deps.notifications.timerSet(t.userId, t.notificationId, t.dueAt!)));
  return answers.map(({ timer: _timer, ...result }) => result);
}

/**
 * Holds a guard for `notificationId`; the earlier notification when another request holds it.
 * A guard whose notification was never written (its request died half-way) is taken over once
 * it is old enough; a younger one means that request is still under way.
 */
async function holdGuard(
  deps: SendApiDeps,
  scope: GuardScope,
  userId: string,
  key: string,
  notificationId: string,
  now: number,
  expiresAt: number,
): Promise<NotificationRecord | undefined> {
  const held = await deps.guards.take(scope, userId, key, notificationId, now, expiresAt);
  if (!held) return undefined;
  const earlier = await deps.notifications.get(userId, held.notificationId);
  if (earlier) return earlier;
  if (now - held.takenAt < IN_FLIGHT_MS || !(await deps.guards.replace(scope, userId, key, held, notificationId, now, expiresAt))) {
    throw new ConflictError(
      scope === 'idempotency'
        ? 'A request with this idempotencyKey is still being processed; retry in a few seconds.'
        : 'The same message to this recipient is still being created; retry in a few seconds.',
    );
  }
  return undefined;
}

async function mediaOf(files: FileRepository, userId: string, fileIds: string[]) {
  const found = await Promise.all(fileIds.map((id) => files.getFile(userId, id)));
  const missing = fileIds.filter((_, i) => !found[i]);
  if (missing.length > 0) throw bad('mediaFileIds', `No file ${missing.join(', ')}; upload it first (POST /uploads).`);
  return found.map((f) => ({ objectKey: f!.objectKey, fileName: f!.fileName }));
}

/** The queue message that sends `n` at its due time, and where its priority puts it. */
export function timerFor(n: NotificationRecord, now: number): NotificationRef {
  const delaySeconds = n.dueAt ? timerDelaySeconds(Date.parse(n.dueAt), now) : 0;
  return {
    userId: n.userId,
    notificationId: n.notificationId,
    ...(n.dueAt ? { dueAt: n.dueAt } : {}),
    // Whole seconds rounded up, less the sender's lead: the sender never sends before the due time.
    ...(delaySeconds > 0 ? { delaySeconds } : {}),
    ...(n.priority !== undefined ? { priority: n.priority } : {}),
  };
}

const dueSoon = (n: NotificationRecord, now: number) =>
  n.dueAt !== undefined && (n.status === 'scheduled' || n.status === 'pending') && Date.parse(n.dueAt) - now <= TIMER_HORIZON_MS;

async function setTimerIfDueSoon(deps: Pick<SendApiDeps, 'notifications' | 'queue'>, n: NotificationRecord, now: number): Promise<boolean> {
  if (!dueSoon(n, now) || !n.dueAt) return false;
  await deps.queue.enqueue([timerFor(n, now)]);
  await deps.notifications.timerSet(n.userId, n.notificationId, n.dueAt);
  return true;
}

/** A user's notification; another user's answers 404 exactly like a missing one. */
export async function getNotification(notifications: NotificationRepository, userId: string, notificationId: string): Promise<NotificationRecord> {
  const n = await notifications.get(userId, notificationId);
  // The id is not echoed: a rule notification's id holds its file's and rule's ids.
  if (!n) throw new NotFoundError('The notification');
  return n;
}

/**
 * Cancels a scheduled or pending notification. The cancel is one conditional write that fails
 * while a sender holds its claim, and a sender claims only pending notifications: whichever
 * write lands first wins, so a notification is never both canceled and sent.
 */
export async function cancelSend(
  notifications: NotificationRepository & ScheduledSends,
  userId: string,
  notificationId: string,
  clock: () => Date = () => new Date(),
): Promise<NotificationRecord> {
  const current = await getNotification(notifications, userId, notificationId);
  // Canceled already is not cancelable (409), as for any other status but scheduled and pending.
  if (!cancelableStatuses.includes(current.status)) throw new NotCancelableError(current.status);
  const now = clock();
  if (await notifications.cancel(userId, notificationId, now.toISOString(), now.getTime())) {
    return getNotification(notifications, userId, notificationId);
  }
  const after = await getNotification(notifications, userId, notificationId);
  // A cancel racing this one landed first: the send this request found cancelable is canceled.
  if (after.status === 'canceled') return after;
  throw new NotCancelableError(after.status === 'pending' ? 'being sent' : after.status);
}

/** Moves a scheduled send to a new time (quiet hours apply to it as to a new send). */
export async function rescheduleSend(
  deps: Pick<SendApiDeps, 'notifications' | 'queue' | 'settings'>,
  userId: string,
  notificationId: string,
  sendAt: string,
  clock: () => Date = () => new Date(),
): Promise<NotificationRecord> {
  const current = await getNotification(deps.notifications, userId, notificationId);
  if (current.status !== 'scheduled') throw new NotReschedulableError(current.status);
  const now = clock().getTime();
  const settings = await settingsOf(deps.settings, userId);
  const due = afterQuietHours(checkSchedule(sendAt, now), current.priority ?? 1, settings, current.timezone);
  if (due <= now) throw bad('sendAt', 'sendAt must be in the future; to send now, cancel and send again.');
  const dueAt = new Date(due).toISOString();
  if (!(await deps.notifications.reschedule(userId, notificationId, dueAt, new Date(now).toISOString()))) {
    const after = await getNotification(deps.notifications, userId, notificationId);
    throw new NotReschedulableError(after.status);
  }
  const next = await getNotification(deps.notifications, userId, notificationId);
  await setTimerIfDueSoon(deps, next, now);
  return next;
}

export interface SweepReport {
  /** Timers put on the queue. */
  enqueued: number;
}

/**
 * The schedule sweep: every API send due within the next 15 minutes (or overdue, after an
 * outage) whose timer is not on the queue yet gets one, delayed to its time; then it leaves the
 * due index. A crash between the two enqueues it again next time, which the sender's
 * conditional promotion and claim make harmless.
 */
export async function sweepDueSends(deps: Pick<SendApiDeps, 'notifications' | 'queue'>, clock: () => Date = () => new Date()): Promise<SweepReport> {
  const now = clock().getTime();
  const until = new Date(now + TIMER_HORIZON_MS).toISOString();
  let enqueued = 0;
  for (let shard = 0; shard < deps.notifications.dueShards; shard++) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await deps.notifications.listDue(shard, until, { limit: 100, startKey });
      const due = page.items.filter((n) => n.dueAt);
      await deps.queue.enqueue(due.map((n) => timerFor(n, now)));
      await Promise.all(due.map((n) => deps.notifications.timerSet(n.userId, n.notificationId, n.dueAt!)));
      enqueued += due.length;
      startKey = page.lastKey;
    } while (startKey);
  }
  return { enqueued };
}
