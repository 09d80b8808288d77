/**
 * Statuses a notification passes through; `read` may follow `delivered` (WhatsApp read receipts).
 * `scheduled` comes before `pending` (a send waiting for its time); `canceled` ends one that was
 * still scheduled or pending.
 */
export const notificationStatuses = [
  'scheduled',
  'pending',
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'suppressed',
  'read',
  'canceled',
] as const;
export type NotificationStatus = (typeof notificationStatuses)[number];

/**
 * A status never moves backwards: each has a rank, and a change applies only to a higher one.
 * The final outcomes share a rank, so whichever arrives first stands; only `read` follows one.
 */
export const statusRank: Record<NotificationStatus, number> = {
  // Below pending's 0, so that notifications stored before scheduling existed keep their rank.
  scheduled: -1,
  pending: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  suppressed: 4,
  read: 5,
  canceled: 4,
};

/**
 * What a status change to `to` asks of the stored notification, the forward-only rule in one place:
 * `read` follows `delivered` only; any other status applies over a lower rank. The DynamoDB adapter
 * turns it into its write's condition, the test fakes check it in memory.
 */
export type AdvanceRequirement = { readonly kind: 'from'; readonly status: NotificationStatus } | { readonly kind: 'rankBelow'; readonly rank: number };

export function advanceRequirement(to: NotificationStatus): AdvanceRequirement {
  return to === 'read' ? { kind: 'from', status: 'delivered' } : { kind: 'rankBelow', rank: statusRank[to] };
}

/** Whether a notification in `from` meets the requirement. */
export function meetsRequirement(from: NotificationStatus, requirement: AdvanceRequirement): boolean {
  return requirement.kind === 'from' ? from === requirement.status : statusRank[from] < requirement.rank;
}

/** Statuses a cancel may end: nothing has been handed to Twilio yet. */
export const cancelableStatuses: readonly NotificationStatus[] = ['scheduled', 'pending'];

/** Whether a notification in `from` may move to `to`. */
export function canAdvance(from: NotificationStatus, to: NotificationStatus): boolean {
  if (to === 'canceled') return cancelableStatuses.includes(from);
  return meetsRequirement(from, advanceRequirement(to));
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
