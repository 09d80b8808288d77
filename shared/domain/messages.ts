import { createHash } from 'node:crypto';
import type {
  Admission,
  AdmissionRules,
  MessageAdmission,
  MessageIngestQueue,
  MessageRecord,
  ReceivedMessage,
  MessageRepository,
  MessageStats,
  MessageStatus,
} from '../ports.ts';
import { NotFoundError } from '../errors.ts';
import { newId } from './ids.ts';

export const messageStatuses = ['received', 'stored', 'processed'] as const satisfies readonly MessageStatus[];

/** Statuses only move forward: a change applies only to a higher rank. */
export const messageStatusRank: Record<MessageStatus, number> = { received: 0, stored: 1, processed: 2 };

/** At most this many accepted messages per sender in any rolling window of `RATE_WINDOW_MS`. */
export const RATE_LIMIT = 5;
export const RATE_WINDOW_MS = 60_000;
/** The same from, to and message within this long of an accepted one is a duplicate. */
export const DEDUP_WINDOW_MS = 2_000;
export const MAX_MESSAGE_CODE_POINTS = 160;

/** The owner of a signed-in user's messages. */
export const userOwner = (userId: string): string => `user#${userId}`;
/**
 * The owner of inbound messages to a number no line has claimed: kept, visible to nobody, until
 * a line claims the number (lines are a later capability).
 */
export const unclaimedOwner = (to: string): string => `unclaimed#${to}`;

/**
 * The sliding window at `now`: the accepted times still inside it (`at > now - windowMs`), and
 * either room for one more or how long until the oldest leaves. A slot taken at `t` counts for
 * [t, t + windowMs), so retrying after `retryAfterMs` always finds room.
 */
export function slidingWindow(
  slots: readonly number[],
  now: number,
  limit: number = RATE_LIMIT,
  windowMs: number = RATE_WINDOW_MS,
): { live: number[]; retryAfterMs?: number } {
  const live = slots.filter((at) => at > now - windowMs).sort((a, b) => a - b);
  if (live.length < limit) return { live };
  return { live, retryAfterMs: live[live.length - limit]! + windowMs - now };
}

/** Whole seconds a client must wait, as Retry-After carries them: never early, at least 1. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** The dedup key of a message within its sender's state: its recipient and text. */
export function dedupKeyOf(to: string, message: string): string {
  return createHash('sha256')
    .update(JSON.stringify([to, message]))
    .digest('base64url');
}

/** The admission state's key: one per owner and sender (so no user can exhaust or shadow another's sender). */
export const senderKeyOf = (owner: string, from: string): string => `${owner}#${from}`;

export const admissionRules: AdmissionRules = { limit: RATE_LIMIT, windowMs: RATE_WINDOW_MS, dedupMs: DEDUP_WINDOW_MS };

/** A sender's admission state: the accepted messages still in the window, and the dedup entries still live. */
export interface AdmissionState {
  slots: Array<{ at: number; messageId: string }>;
  recent: Array<{ key: string; messageId: string; until: number }>;
}

/**
 * Decides one message against its sender's state at `now`: a live dedup entry for its key makes it
 * a duplicate, whatever the window holds (duplicates take no slot); a full window refuses it with
 * the wait until the oldest slot leaves; otherwise it takes a slot and a dedup entry. Returns the
 * state to write back (pruned of what has lapsed) only when the message is admitted and does not
 * hold its slot already.
 */
export function decideAdmission(
  state: AdmissionState,
  request: { dedupKey: string; messageId: string; now: number },
  rules: AdmissionRules = admissionRules,
): { admission: Admission; next?: AdmissionState } {
  const { now } = request;
  // Its own slot: the write that took it landed, and this is its repeat (an SDK retry whose first
  // answer was lost) finding it there. Not a duplicate of itself, nor a second slot.
  if (state.slots.some((slot) => slot.messageId === request.messageId)) return { admission: { kind: 'admitted' } };
  const recent = state.recent.filter((entry) => entry.until > now);
  const original = recent.find((entry) => entry.key === request.dedupKey);
  if (original) return { admission: { kind: 'duplicate', messageId: original.messageId } };
  const slots = state.slots.filter((slot) => slot.at > now - rules.windowMs).sort((a, b) => a.at - b.at);
  const { retryAfterMs } = slidingWindow(
    slots.map((slot) => slot.at),
    now,
    rules.limit,
    rules.windowMs,
  );
  if (retryAfterMs !== undefined) return { admission: { kind: 'limited', retryAfterMs } };
  return {
    admission: { kind: 'admitted' },
    next: {
      slots: [...slots, { at: now, messageId: request.messageId }],
      recent: [...recent, { key: request.dedupKey, messageId: request.messageId, until: now + rules.dedupMs }],
    },
  };
}

/** The state without what `messageId` took: its slot and dedup entry. */
export function withoutMessage(state: AdmissionState, messageId: string): AdmissionState {
  return { slots: state.slots.filter((s) => s.messageId !== messageId), recent: state.recent.filter((r) => r.messageId !== messageId) };
}

export interface AcceptDeps {
  messages: MessageRepository;
  admission: MessageAdmission;
  queue: MessageIngestQueue;
}

export type AcceptOutcome =
  | { kind: 'accepted'; message: MessageRecord }
  | { kind: 'duplicate'; messageId: string }
  | { kind: 'limited'; retryAfterSeconds: number };

/**
 * Accepts one message, in an order that leaves nothing behind when a step refuses or fails:
 *  1. admission: one conditional write on the sender's state decides duplicate, limited or
 *     admitted, and an admitted message takes its slot and dedup entry in that same write —
 *     a duplicate or a refusal writes nothing;
 *  2. queue the message, which carries all of it: from here it is accepted, and the consumer
 *     writes it even if step 3 did not;
 *  3. write it as `received`, so it can be read at once.
 * A failure in step 2 gives the slot and the dedup entry back; a crash between steps 1 and 2
 * leaves a slot that leaves the window within a minute and an entry that lapses in two seconds.
 */
export async function acceptMessage(
  deps: AcceptDeps,
  owner: string,
  input: { from: string; to: string; message: string; source?: MessageRecord['source'] },
  clock: () => number = Date.now,
): Promise<AcceptOutcome> {
  const now = clock();
  const messageId = newId(now);
  const sender = senderKeyOf(owner, input.from);
  const admission = await deps.admission.admit({ sender, dedupKey: dedupKeyOf(input.to, input.message), messageId, now }, admissionRules);
  if (admission.kind === 'duplicate') return admission;
  if (admission.kind === 'limited') return { kind: 'limited', retryAfterSeconds: retryAfterSeconds(admission.retryAfterMs) };

  const message: ReceivedMessage = {
    owner,
    messageId,
    from: input.from,
    to: input.to,
    message: input.message,
    receivedAt: new Date(now).toISOString(),
    status: 'received',
    source: input.source ?? 'api',
    media: [],
  };
  try {
    await deps.queue.enqueue(message);
  } catch (err) {
    await deps.admission.release(sender, messageId).catch(() => undefined);
    throw err;
  }
  // Queued means accepted: when this write fails the consumer writes the message it carries.
  await deps.messages.putIfAbsent(message).catch(() => false);
  return { kind: 'accepted', message };
}

export interface ProcessDeps {
  messages: MessageRepository;
  stats: MessageStats;
}

/**
 * Moves a queued message `received` → `stored` → `processed`. Each step is a conditional
 * forward-only update, so a redelivered record changes nothing twice. The message stays marked
 * "uncounted" until its time is in the running totals: a redelivery after a failed or missed
 * addition adds it then (only a crash between adding and unmarking can count it twice).
 */
export async function processMessage(deps: ProcessDeps, message: MessageRecord, clock: () => number = Date.now): Promise<{ processed: boolean }> {
  await deps.messages.markStored({ ...message, status: 'stored' });
  const now = clock();
  const processingMs = Math.max(0, now - Date.parse(message.receivedAt));
  const processed = await deps.messages.markProcessed(message, new Date(now).toISOString(), processingMs);
  const uncounted = processed ? processingMs : await deps.messages.uncountedProcessingMs(message.owner, message.messageId);
  if (uncounted !== undefined) {
    await deps.stats.addProcessed(message.owner, uncounted);
    await deps.messages.markCounted(message.owner, message.messageId);
  }
  return { processed };
}

/** A message as the API shows it; the media links are made per request. */
export function presentMessage(message: MessageRecord, media: unknown[]) {
  return {
    messageId: message.messageId,
    from: message.from,
    to: message.to,
    message: message.message,
    receivedAt: message.receivedAt,
    status: message.status,
    source: message.source,
    ...(message.processedAt ? { processedAt: message.processedAt, processingMs: message.processingMs } : {}),
    media,
  };
}

/** The owner's message, or a 404 (another user's message is as absent as a missing one). */
export async function ownMessage(messages: MessageRepository, owner: string, messageId: string): Promise<MessageRecord> {
  const message = await messages.get(owner, messageId);
  if (!message) throw new NotFoundError(`Message ${messageId}`);
  return message;
}
