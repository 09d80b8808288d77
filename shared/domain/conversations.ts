import { AppError, NotFoundError } from '../errors.ts';
import type {
  CallRepository,
  ConversationRecord,
  ConversationRepository,
  ConversationStatus,
  LineRepository,
  NotificationRecord,
  NotificationRepository,
  NotificationSource,
  OptOutRepository,
  AutoReplyGuard,
  HandoffNotifier,
  EventPublisher,
  VoiceTask,
  VoiceTaskQueue,
  UnclaimedMessages,
  MessageRepository,
  MediaRepository,
  ObjectCopier,
} from '../ports.ts';
import { mediaObjectKey } from './message-media.ts';
import { userOwner } from './messages.ts';
import type { SendRequest } from '../schemas/notification.schema.ts';
import { RetryLaterError } from '../errors.ts';
import { newId, stableId } from './ids.ts';
import { toE164 } from './phone.ts';
import type { SendAnswer } from './send-api.ts';

/** Sends one message through the notification pipeline (opt-outs, pacing, exactly-once, status callbacks). */
export type Send = (
  userId: string,
  request: Pick<SendRequest, 'to' | 'body' | 'idempotencyKey'>,
  opts: { source: NotificationSource; from: string },
) => Promise<SendAnswer>;

export interface VoiceWorkerDeps {
  calls: CallRepository;
  lines: Pick<LineRepository, 'get'>;
  conversations: ConversationRepository;
  guard: AutoReplyGuard;
  optOuts: OptOutRepository;
  send: Send;
  tasks: VoiceTaskQueue;
  handoff: HandoffNotifier;
  /** The event bus, where the hand-off event is published for any subscriber. */
  events: EventPublisher;
  /** How long a customer message may wait for the business before the hand-off (HANDOFF_AFTER_SECONDS). */
  handoffAfterSeconds: number;
  adoption: AdoptionDeps;
}

/** The missed-call reply with its variables filled in. */
export function renderReply(template: string, vars: { businessName?: string; callerNumber: string }): string {
  return template.replace(/\{\{\s*(businessName|callerNumber)\s*\}\}/g, (_m, name: string) =>
    name === 'callerNumber' ? vars.callerNumber : (vars.businessName ?? 'we'),
  );
}

/** Runs one task from the voice queue. */
export function runVoiceTask(deps: VoiceWorkerDeps, task: VoiceTask, now: () => Date = () => new Date()): Promise<unknown> {
  switch (task.kind) {
    case 'missed-call':
      return answerMissedCall(deps, task.callId, now);
    case 'inbound':
      return fileInbound(deps, task, now);
    case 'handoff':
      return handOff(deps, task, now);
    case 'adopt':
      return adoptUnclaimed(deps.adoption, task.number, task.userId);
  }
}

/**
 * A missed call: the conversation with the caller opens (or the open one is reused) and, unless
 * the caller opted out or got an auto-reply from the line within its reply window, one SMS goes
 * from the line's number. The window is one conditional write keyed by line and caller that the
 * same call may take again; the send's idempotency key is the CallSid. So a redelivered task, or
 * a repeated webhook, never sends a second reply.
 */
export async function answerMissedCall(deps: VoiceWorkerDeps, callId: string, now: () => Date = () => new Date()) {
  const call = await deps.calls.get(callId);
  if (!call || call.autoReply || call.autoReplySkipped) return 'done';
  const callerId = toE164(call.from);
  // The reads that decide what happens go together: the line, and whether the caller opted out.
  const [line, optedOut] = await Promise.all([deps.lines.get(call.userId, call.lineId), callerId ? deps.optOuts.get(callerId) : undefined]);
  if (!line) return 'no-line';
  if (!callerId) {
    await deps.calls.recordAutoReply(callId, { autoReplySkipped: 'no-caller-id' });
    return 'no-caller-id';
  }
  const at = now();
  const windowMs = line.replyWindowHours * 3_600_000;
  const [conversation, took] = await Promise.all([
    deps.conversations.openFor({
      userId: call.userId,
      lineId: call.lineId,
      customer: callerId,
      conversationId: newId(at.getTime()),
      at: at.toISOString(),
    }),
    optedOut ? false : deps.guard.take(line.lineId, callerId, callId, at.getTime(), at.getTime() + windowMs),
  ]);
  if (optedOut) {
    await deps.calls.recordAutoReply(callId, { autoReplySkipped: 'opted-out', conversationId: conversation.conversationId });
    return 'opted-out';
  }
  if (!took) {
    await deps.calls.recordAutoReply(callId, { autoReplySkipped: 'reply-window', conversationId: conversation.conversationId });
    return 'reply-window';
  }
  const body = renderReply(line.missedCallReply, { businessName: line.businessName, callerNumber: callerId });
  const answer = await deps.send(call.userId, { to: callerId, body, idempotencyKey: `missed-call:${callId}` }, { source: 'missed-call', from: line.number });
  // The conversation gets the reply before the call records it: a retry after a failure here sends nothing new and files it again harmlessly.
  await addOutbound(deps.conversations, conversation.conversationId, answer.notification);
  await deps.calls.recordAutoReply(callId, {
    autoReply: { notificationId: answer.notification.notificationId, status: answer.notification.status },
    conversationId: conversation.conversationId,
  });
  return 'sent';
}

async function addOutbound(conversations: ConversationRepository, conversationId: string, n: NotificationRecord): Promise<void> {
  await conversations.addMessage(conversationId, {
    messageId: n.notificationId,
    direction: 'outbound',
    body: n.body ?? '',
    at: n.createdAt,
    notificationId: n.notificationId,
  });
}

/**
 * A customer's text to a line's number joins the open conversation (or opens one), and starts the
 * hand-off timer: a delayed task that fires after HANDOFF_AFTER_SECONDS and finds out then whether
 * the business answered. The message's id derives from its MessageSid, so a repeat adds nothing.
 */
export async function fileInbound(deps: VoiceWorkerDeps, task: Extract<VoiceTask, { kind: 'inbound' }>, now: () => Date = () => new Date()) {
  const conversation = await deps.conversations.openFor({
    userId: task.userId,
    lineId: task.lineId,
    customer: task.from,
    conversationId: newId(now().getTime()),
    at: task.receivedAt,
  });
  const id = conversation.conversationId;
  await deps.conversations.addMessage(id, {
    messageId: stableId(Date.parse(task.receivedAt), task.messageSid),
    direction: 'inbound',
    body: task.body,
    at: task.receivedAt,
    messageSid: task.messageSid,
  });
  await deps.conversations.markInbound(id, task.receivedAt);
  const since = (await deps.conversations.get(id))?.awaitingReplySince;
  if (!since) return 'answered';
  const delay = (Date.parse(since) + deps.handoffAfterSeconds * 1000 - now().getTime()) / 1000;
  await deps.tasks.enqueue({ kind: 'handoff', conversationId: id, since, timerId: newId(now().getTime()) }, delay);
  return 'filed';
}

/**
 * A hand-off timer fired. If the customer's message still waits, the conversation is marked
 * `needsAttention` by the one timer that raises it first, and that timer publishes the hand-off
 * event on the event bus (whether or not the line has a `handoffUrl`) and delivers it, HMAC-signed,
 * to the line's `handoffUrl`; a failed delivery is retried with backoff (the record comes back,
 * and only its own timer may deliver), without publishing again. A message answered meanwhile
 * ends the timer quietly.
 */
export async function handOff(deps: VoiceWorkerDeps, task: Extract<VoiceTask, { kind: 'handoff' }>, now: () => Date = () => new Date()) {
  const conversation = await deps.conversations.get(task.conversationId);
  if (!conversation || conversation.handoffSentFor === task.since || conversation.awaitingReplySince !== task.since) return 'answered';
  if (!(await deps.conversations.raiseHandoff(task.conversationId, task.since, task.timerId))) return 'raised-elsewhere';
  const [line, messages] = await Promise.all([deps.lines.get(conversation.userId, conversation.lineId), deps.conversations.messages(task.conversationId)]);
  const event = {
    id: `${task.conversationId}:${task.since}`,
    type: 'conversation.needs_attention',
    at: now().toISOString(),
    conversationId: task.conversationId,
    lineId: conversation.lineId,
    ...(line ? { lineNumber: line.number } : {}),
    customer: conversation.customer,
    waitingSince: task.since,
    messages: messages.slice(-20).map(({ direction, body, at }) => ({ direction, body, at })),
  };
  if (conversation.handoffPublishedFor !== task.since) {
    // The bus's subscribers serve every line of the deployment, so they learn whose line it is.
    await deps.events.publish({ ...event, userId: conversation.userId });
    await deps.conversations.markHandoffPublished(task.conversationId, task.since);
  }
  if (line?.handoffUrl) {
    try {
      await deps.handoff.deliver(line.handoffUrl, event);
    } catch (err) {
      throw new RetryLaterError(
        `Hand-off for conversation ${task.conversationId} not delivered: ${err instanceof Error ? err.message : String(err)}`,
        'HANDOFF_FAILED',
      );
    }
  }
  await deps.conversations.markHandoffSent(task.conversationId, task.since);
  return 'handed-off';
}

export class ConversationClosedError extends AppError {
  constructor() {
    super('The conversation is closed; reopen it (PATCH {"status":"open"}) before replying.', { code: 'CONVERSATION_CLOSED', statusCode: 409 });
  }
}

/** A conversation as the API shows it. */
export function presentConversation(c: ConversationRecord) {
  return {
    conversationId: c.conversationId,
    lineId: c.lineId,
    customer: c.customer,
    status: c.status,
    needsAttention: c.needsAttention,
    lastMessageAt: c.lastMessageAt,
    createdAt: c.createdAt,
  };
}

async function ownConversation(conversations: ConversationRepository, userId: string, conversationId: string): Promise<ConversationRecord> {
  const c = await conversations.get(conversationId);
  if (!c || c.userId !== userId) throw new NotFoundError('The conversation');
  return c;
}

/** The conversation with its messages in order; outbound ones carry their send's current status. */
export async function getConversation(
  deps: { conversations: ConversationRepository; notifications: NotificationRepository },
  userId: string,
  conversationId: string,
) {
  const c = await ownConversation(deps.conversations, userId, conversationId);
  const messages = await deps.conversations.messages(conversationId);
  const shown = await Promise.all(
    messages.map(async (m) => {
      const status = m.notificationId ? (await deps.notifications.get(userId, m.notificationId))?.status : undefined;
      return {
        direction: m.direction,
        body: m.body,
        at: m.at,
        ...(status ? { status } : {}),
        ...(m.notificationId ? { notificationId: m.notificationId } : {}),
      };
    }),
  );
  return { ...presentConversation(c), messages: shown };
}

/** The business replies from the line's number, through the pipeline; nothing waits for a reply any more. */
export async function replyToConversation(
  deps: { conversations: ConversationRepository; lines: LineRepository; send: Send },
  userId: string,
  conversationId: string,
  body: string,
  now: () => Date = () => new Date(),
) {
  const c = await ownConversation(deps.conversations, userId, conversationId);
  if (c.status !== 'open') throw new ConversationClosedError();
  const line = await deps.lines.get(userId, c.lineId);
  if (!line) throw new AppError("The conversation's line was deleted; it can no longer send.", { code: 'LINE_DELETED', statusCode: 409 });
  const answer = await deps.send(userId, { to: c.customer, body }, { source: 'conversation', from: line.number });
  await addOutbound(deps.conversations, conversationId, answer.notification);
  await deps.conversations.markReplied(conversationId, now().toISOString());
  const n = answer.notification;
  return { direction: 'outbound' as const, body: n.body ?? body, at: n.createdAt, status: n.status, notificationId: n.notificationId };
}

/** Closes or reopens a conversation; reopening while another is open with the customer is a 409. */
export async function setConversationStatus(conversations: ConversationRepository, userId: string, conversationId: string, status: ConversationStatus) {
  const c = await ownConversation(conversations, userId, conversationId);
  if (c.status !== status && !(await conversations.setStatus(c, status))) {
    throw new AppError('Another conversation with this customer is open on the line; close it first.', { code: 'CONFLICT', statusCode: 409 });
  }
  return presentConversation({ ...c, status });
}

export interface AdoptionDeps {
  unclaimed: UnclaimedMessages;
  messages: Pick<MessageRepository, 'putIfAbsent'>;
  media: MediaRepository;
  objects: ObjectCopier;
}

/**
 * A line claimed `number`: every message kept for it while no line held it becomes the line
 * owner's, images included (copied under the owner, whose objects are named by owner). Each step
 * writes only what is absent and the unclaimed copy goes last, so a redelivered task finishes the job.
 */
export async function adoptUnclaimed(deps: AdoptionDeps, number: string, userId: string): Promise<number> {
  const owner = userOwner(userId);
  let moved = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.unclaimed.list(number, { limit: 50, startKey });
    for (const message of page.items) {
      for (const item of message.media) {
        await deps.objects.copyIfAbsent(mediaObjectKey(message.owner, item.mediaId), mediaObjectKey(owner, item.mediaId));
        const record = await deps.media.getMedia(message.owner, item.mediaId);
        if (record) await deps.media.putMediaIfAbsent({ ...record, owner, objectKey: mediaObjectKey(owner, item.mediaId) });
      }
      await deps.messages.putIfAbsent({ ...message, owner });
      await deps.unclaimed.remove(message);
      moved += 1;
    }
    startKey = page.lastKey;
  } while (startKey);
  return moved;
}
