import type { NotificationRepository } from '../ports.ts';
import { fromTwilioStatus } from './notification-status.ts';
import { describeTwilioError } from './twilio-errors.ts';

export interface StatusCallback {
  messageSid: string;
  messageStatus: string;
  errorCode?: string;
  /** The notification named in the callback URL we gave Twilio, when present. */
  ref?: { userId: string; notificationId: string };
}

export type CallbackResult = 'applied' | 'stale' | 'unknown' | 'ignored';

/**
 * Applies a Twilio status callback to its notification through the forward-only state
 * machine. The notification is found from the callback URL's own reference (so a callback
 * that beats the sender's SID write still lands), else from the message SID.
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
  const applied = await notifications.advance(ref.userId, ref.notificationId, {
    status,
    at: now().toISOString(),
    messageSid: callback.messageSid,
    ...(failedCode ? { errorCode: failedCode, errorMessage: describeTwilioError(failedCode) } : {}),
  });
  return applied ? 'applied' : 'stale';
}
