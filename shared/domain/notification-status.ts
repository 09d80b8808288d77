/** Statuses a notification passes through; `read` may follow `delivered` (WhatsApp read receipts). */
export const notificationStatuses = [
  'pending',
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'suppressed',
  'read',
] as const;
export type NotificationStatus = (typeof notificationStatuses)[number];

/**
 * A status never moves backwards: each has a rank, and a change applies only to a higher one.
 * The final outcomes share a rank, so whichever arrives first stands; only `read` follows one.
 */
export const statusRank: Record<NotificationStatus, number> = {
  pending: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  suppressed: 4,
  read: 5,
};

/** Whether a notification in `from` may move to `to`. */
export function canAdvance(from: NotificationStatus, to: NotificationStatus): boolean {
  if (to === 'read') return from === 'delivered';
  return statusRank[to] > statusRank[from];
}

/** Maps a Twilio MessageStatus to ours; undefined for statuses that say nothing new. */
export function fromTwilioStatus(twilioStatus: string): NotificationStatus | undefined {
  switch (twilioStatus) {
    case 'accepted':
    case 'scheduled':
    case 'queued':
      return 'queued';
    case 'sending':
      return 'sending';
    case 'sent':
      return 'sent';
    case 'delivered':
      return 'delivered';
    case 'undelivered':
      return 'undelivered';
    case 'failed':
    case 'canceled':
      return 'failed';
    case 'read':
      return 'read';
    default:
      return undefined;
  }
}
