import { NotFoundError, ValidationError } from '../errors.ts';
import type { CallFilter, CallRecord, CallRepository, LineRecord, LineRepository, NotificationRepository, VoiceTaskQueue } from '../ports.ts';
import { isOpen } from './business-hours.ts';

/** What the call does next, as the voice webhook answers it in TwiML. */
export type CallStep =
  | { kind: 'dial'; forwardTo: string; ringSeconds: number; callerId: string; action: string }
  | { kind: 'voicemail'; greeting: string; action: string }
  | { kind: 'goodbye'; say: string }
  | { kind: 'hangup' }
  | { kind: 'nothing' };

export const DIAL_STATUS_PATH = '/twilio/voice/dial-status';
export const RECORDING_PATH = '/twilio/voice/recording';
export const NOT_IN_SERVICE = 'The number you called is not in service. Goodbye.';
const ANSWERED = new Set(['completed', 'answered']);
const MISSED = new Set(['no-answer', 'busy', 'failed', 'canceled']);

export interface CallDeps {
  /** Read on every call; the webhook keeps what it read for a few seconds (see CachedLineLookup). */
  lines: Pick<LineRepository, 'claimOf' | 'get'>;
  calls: CallRepository;
  tasks: VoiceTaskQueue;
}

const greetingOf = (line: LineRecord, afterHours: boolean) =>
  `${afterHours ? 'We are closed right now' : 'Sorry, nobody could take your call'}${line.businessName ? ` at ${line.businessName}` : ''}. Please leave a message after the tone.`;

async function lineOf(deps: CallDeps, number: string): Promise<LineRecord | undefined> {
  const claim = await deps.lines.claimOf(number);
  return claim ? deps.lines.get(claim.userId, claim.lineId) : undefined;
}

/**
 * An incoming call: put through to the line's forwardTo within business hours, else straight to
 * voicemail (a missed call, auto-reply and all). The call is recorded once by its CallSid; a
 * repeated webhook finds it and answers the same way without recording it again.
 */
export async function incomingCall(deps: CallDeps, input: { callSid: string; from: string; to: string }, now: Date = new Date()): Promise<CallStep> {
  const line = await lineOf(deps, input.to);
  if (!line) return { kind: 'goodbye', say: NOT_IN_SERVICE };
  const afterHours = !isOpen(line.businessHours, now.getTime());
  const call = await deps.calls.startIfAbsent({
    callId: input.callSid,
    userId: line.userId,
    lineId: line.lineId,
    from: input.from,
    to: input.to,
    status: afterHours ? 'missed' : 'ringing',
    ...(afterHours ? { afterHours: true } : {}),
    startedAt: now.toISOString(),
  });
  if (call.status === 'ringing') {
    return { kind: 'dial', forwardTo: line.forwardTo, ringSeconds: line.ringSeconds, callerId: input.from, action: DIAL_STATUS_PATH };
  }
  if (call.afterHours && !call.autoReply && !call.autoReplySkipped) await deps.tasks.enqueue({ kind: 'missed-call', callId: call.callId });
  return line.voicemail
    ? { kind: 'voicemail', greeting: greetingOf(line, true), action: RECORDING_PATH }
    : { kind: 'goodbye', say: 'We are closed right now. Goodbye.' };
}

/**
 * The forwarded leg ended: answered, or missed (no answer, busy, failed, canceled). A missed call
 * is settled once (a conditional write on `ringing`) and handed to the voice worker for its
 * auto-reply at the same time, so the webhook waits for one round trip, not two: the worker reads
 * the call and sends at most one reply per call (its guard and the CallSid's idempotency key), so
 * a task for a call that turns out settled already, or a repeated webhook's, changes nothing.
 */
export async function dialEnded(deps: CallDeps, input: { callSid: string; dialStatus: string }): Promise<CallStep> {
  const answered = ANSWERED.has(input.dialStatus);
  if (!answered && !MISSED.has(input.dialStatus)) {
    throw new ValidationError(`DialCallStatus ${input.dialStatus} is not one of completed, answered, no-answer, busy, failed, canceled.`);
  }
  const [settled] = await Promise.all([
    deps.calls.settle(input.callSid, { status: answered ? 'answered' : 'missed', dialStatus: input.dialStatus }),
    answered ? undefined : deps.tasks.enqueue({ kind: 'missed-call', callId: input.callSid }),
  ]);
  if (!settled || answered) return { kind: 'hangup' };
  const { call } = settled;
  if (call.status !== 'missed' && call.status !== 'voicemail') return { kind: 'hangup' };
  const line = await deps.lines.get(call.userId, call.lineId);
  return line?.voicemail ? { kind: 'voicemail', greeting: greetingOf(line, false), action: RECORDING_PATH } : { kind: 'hangup' };
}

/** The voicemail's recording: its URL and length on the call, which becomes `voicemail`. */
export async function recordingDone(deps: Pick<CallDeps, 'calls'>, input: { callSid: string; url?: string; seconds: number }): Promise<CallStep> {
  if (input.url) await deps.calls.recordVoicemail(input.callSid, { url: input.url, seconds: input.seconds });
  return { kind: 'hangup' };
}

/**
 * The call's final status callback: when it ended and how long it lasted, stored once. A call
 * that ends still `ringing` never reached the dial-status webhook (the caller hung up first, or
 * that webhook failed): nobody answered it, so it is missed and gets its auto-reply, unless
 * Twilio says the call itself failed.
 */
export async function callEnded(
  deps: Pick<CallDeps, 'calls' | 'tasks'> & { standInDelaySeconds?: number },
  input: { callSid: string; callStatus: string; durationSeconds?: number },
  now: Date = new Date(),
): Promise<CallStep> {
  if (!['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(input.callStatus)) return { kind: 'nothing' };
  const ended = await deps.calls.finish(input.callSid, {
    endedAt: now.toISOString(),
    ...(input.durationSeconds !== undefined ? { durationSeconds: input.durationSeconds } : {}),
    ringingBecomes: input.callStatus === 'failed' ? 'failed' : 'missed',
  });
  const call = ended?.call;
  if ((call?.status === 'missed' || call?.status === 'voicemail') && !call.autoReply && !call.autoReplySkipped) {
    // A call settled by its dial-status (a voicemail too), or missed outside business hours, had a
    // task sent for its reply then, unless that send failed; this one stands in for it, so it
    // waits until that one is long done and then finds the reply recorded, instead of racing it
    // through every step of the reply. A call still ringing at its end has no other task, and is
    // answered now. The cost: should that first send have failed, the reply goes a minute late.
    const queuedBefore = call.dialStatus !== undefined || call.afterHours === true;
    await deps.tasks.enqueue({ kind: 'missed-call', callId: call.callId }, queuedBefore ? (deps.standInDelaySeconds ?? STANDIN_TASK_DELAY_SECONDS) : undefined);
  }
  return { kind: 'nothing' };
}

/** How long the call's end waits to check a missed call's reply that another task should have sent (VOICE_STANDIN_DELAY_SECONDS). */
export const STANDIN_TASK_DELAY_SECONDS = 60;

/** A call as the API shows it. */
export function presentCall(call: CallRecord) {
  const { userId: _userId, ...shown } = call;
  return shown;
}

/** The user's call, its auto-reply's status read fresh; another user's answers 404 like a missing one. */
export async function getCall(deps: { calls: CallRepository; notifications: NotificationRepository }, userId: string, callId: string) {
  const call = await deps.calls.get(callId);
  if (!call || call.userId !== userId) throw new NotFoundError('The call');
  if (call.autoReply) {
    const n = await deps.notifications.get(userId, call.autoReply.notificationId);
    if (n) call.autoReply = { notificationId: n.notificationId, status: n.status };
  }
  return presentCall(call);
}

export type { CallFilter };
