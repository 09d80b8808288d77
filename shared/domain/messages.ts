import { createHash } from 'node:crypto';
import type {
  MessageAdmission,
  MessageIngestQueue,
  MessageRecord,
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

/** The dedup key of a message: its owner, sender, recipient and text. */
export function dedupKeyOf(owner: string, from: string, to: string, message: string): string {
  return `${owner}#${createHash('sha256').update(JSON.stringify([from, to, message])).digest('hex')}`;
}

/** The rate limit's key: one window per owner and sender (so no user can exhaust another's sender). */
export const senderKeyOf = (owner: string, from: string): string => `${owner}#${from}`;

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
 *  1. reserve the dedup key (a conditional put): a live reservation makes this a duplicate, which
 *     takes no rate-limit slot;
 *  2. take a slot in the sender's sliding window (a conditional update of one item); when there
 *     is none the reservation is given back, so the refused message is nobody's original;
 *  3. queue the message, which carries all of it: from here it is accepted, and the consumer
 *     writes it even if step 4 did not;
 *  4. write it as `received`, so it can be read at once.
 * A failure before step 3 gives back the slot and the reservation; what a crash leaves is a
 * reservation that expires in two seconds and a slot that leaves the window within a minute.
 */
export async function acceptMessage(
  deps: AcceptDeps,
  owner: string,
  input: { from: string; to: string; message: string; source?: MessageRecord['source'] },
  clock: () => number = Date.now,
): Promise<AcceptOutcome> {
  const now = clock();
  const messageId = newId(now);
  const key = dedupKeyOf(owner, input.from, input.to, input.message);
  const reservation = await deps.admission.reserve(key, messageId, now, now + DEDUP_WINDOW_MS);
  if (reservation.kind === 'duplicate') return reservation;

  const sender = senderKeyOf(owner, input.from);
  let slotTaken = false;
  try {
    const slot = await deps.admission.acquireSlot(sender, now, RATE_LIMIT, RATE_WINDOW_MS);
    if (slot.kind === 'limited') {
      await deps.admission.unreserve(key, messageId);
      return { kind: 'limited', retryAfterSeconds: retryAfterSeconds(slot.retryAfterMs) };
    }
    slotTaken = true;
    const message: MessageRecord = {
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
    await deps.queue.enqueue(message);
    // Queued means accepted: when this write fails the consumer writes the message it carries.
    await deps.messages.putIfAbsent(message).catch(() => false);
    return { kind: 'accepted', message };
  } catch (err) {
    await Promise.allSettled([
      deps.admission.unreserve(key, messageId),
      ...(slotTaken ? [deps.admission.releaseSlot(sender, now)] : []),
    ]);
    throw err;
  }
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
