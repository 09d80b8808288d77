/**
 * The status-callback URL the sender gives Twilio with each message: the webhook's path with
 * the notification it is for in the query (`u` its owner, `n` its id), so a callback can be
 * applied without looking the message up by its SID.
 */
export const STATUS_CALLBACK_PATH = '/twilio/status';

export interface StatusCallbackRef {
  userId: string;
  notificationId: string;
}

/** The URL for `ref`'s callbacks under `baseUrl` (a trailing slash on it is ignored). */
export function statusCallbackUrl(baseUrl: string, ref: StatusCallbackRef): string {
  return `${baseUrl.replace(/\/+$/, '')}${STATUS_CALLBACK_PATH}?${new URLSearchParams({ u: ref.userId, n: ref.notificationId })}`;
}

/** The notification a callback's query names, or undefined when it names none (or only half of one). */
export function statusCallbackRef(query: URLSearchParams): StatusCallbackRef | undefined {
  const userId = query.get('u');
  const notificationId = query.get('n');
  return userId && notificationId ? { userId, notificationId } : undefined;
}
