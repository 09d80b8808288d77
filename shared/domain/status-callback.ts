import type { NotificationRepository, StatusCallback, StatusCallbackQueue, StatusUpdate } from '../ports.ts';
import { fromTwilioStatus } from './notification-status.ts';
import { describeTwilioError } from './twilio-errors.ts';

export type { StatusCallback };

export type CallbackResult = 'applied' | 'stale' | 'unknown' | 'ignored';

/**
 * Applies a Twilio status callback to its notification through the forward-only state
 * machine. The notification is found from the callback URL's own reference (so a callback
 * that beats the sender's SID write still lands), else from the message SID. A `read` receipt
 * that overtakes its `delivered` callback records `delivered` first, since reading implies it.
 */
export async function applyStatusCallback(
  notifications: NotificationRepository,
  callback: StatusCallback,
  now: () => Date = () => new Date(),
): Promise<CallbackResult> {
  const status = fromTwilioStatus(callback.messageStatus);
  if (!status) return 'ignored';
  const ref = callback.ref ?? (await notifications.findByMessageSid(callback.messageSid));
  if (!ref) return 'unknown';
  const failedCode = callback.errorCode && callback.errorCode !== '0' ? callback.errorCode : undefined;
  const change: Omit<StatusUpdate, 'status'> = {
    at: now().toISOString(),
    messageSid: callback.messageSid,
    ...(failedCode ? { errorCode: failedCode, errorMessage: describeTwilioError(failedCode) } : {}),
  };
  let applied = await notifications.advance(ref.userId, ref.notificationId, { ...change, status });
  if (!applied && status === 'read') {
    // Either write may lose to a concurrent callback; `read` is tried again whatever `delivered` did.
    await notifications.advance(ref.userId, ref.notificationId, { ...change, status: 'delivered' });
    applied = await notifications.advance(ref.userId, ref.notificationId, { ...change, status: 'read' });
  }
  return applied ? 'applied' : 'stale';
}

export interface ReceiveDeps {
  notifications: NotificationRepository;
  deferred: StatusCallbackQueue;
}

export type ReceiveResult = { result: CallbackResult } | { result: 'deferred'; reason: string };

/**
 * What the status webhook does with a verified callback: apply it within `deadlineMs`, or,
 * when the store fails or is too slow, hand it to the deferred queue, whose consumer applies it
 * later through the same state machine. Either way the callback is kept, so the webhook can
 * answer 200 at once; only when the queue refuses it too does this throw (and the webhook
 * answers 5xx). A write that completes after the deadline is harmless: the deferred copy then
 * finds it applied and changes nothing.
 */
export async function receiveStatusCallback(
  deps: ReceiveDeps,
  callback: StatusCallback,
  deadlineMs: number,
  now: () => Date = () => new Date(),
): Promise<ReceiveResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
  });
  const applying = applyStatusCallback(deps.notifications, callback, now);
  let reason: string;
  try {
    const outcome = await Promise.race([applying, deadline]);
    if (outcome !== 'timeout') return { result: outcome };
    reason = `no answer from the store within ${deadlineMs} ms`;
    applying.catch(() => undefined);
  } catch (err) {
    reason = err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
  await deps.deferred.enqueue(callback);
  return { result: 'deferred', reason };
}
