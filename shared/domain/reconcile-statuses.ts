import type { MessageStatusSource, NotificationMaintenance, NotificationRecord, NotificationRepository } from '../ports.ts';
import { mapLimit } from './map-limit.ts';
import { applyStatusCallback } from './status-callback.ts';

export interface ReconcileDeps {
  notifications: NotificationRepository & NotificationMaintenance;
  twilio: MessageStatusSource;
}

export interface ReconcileOptions {
  /** A notification is stuck when its status has not changed for this long. */
  afterMinutes: number;
  /** Older than this it is given up on: some carriers never report past `sent`. */
  maxAgeHours: number;
  /** Notifications checked per run at most, oldest first in each shard. */
  limit: number;
  /** Twilio requests in flight at once. */
  concurrency: number;
}

export interface ReconcileReport {
  checked: number;
  /** Moved forward by what Twilio reported. */
  applied: number;
  /** Twilio reports nothing newer than what is stored. */
  unchanged: number;
  /** Twilio does not know the message, or no SID is stored. */
  unknown: number;
  /** Twilio could not be asked; tried again next run. */
  failed: number;
}

/**
 * Finds notifications whose status has sat in queued, sending or sent for longer than
 * `afterMinutes` (a lost or dropped callback), asks Twilio for each message's status and applies
 * it through the same forward-only state machine as a callback, so a late callback and the
 * reconciliation can never disagree.
 */
export async function reconcileStatuses(deps: ReconcileDeps, opts: ReconcileOptions, now: () => Date = () => new Date()): Promise<ReconcileReport> {
  const t = now().getTime();
  const changed = { from: new Date(t - opts.maxAgeHours * 3_600_000).toISOString(), to: new Date(t - opts.afterMinutes * 60_000).toISOString() };
  const perShard = Math.ceil(opts.limit / deps.notifications.openShards);
  const stuck: NotificationRecord[] = [];
  for (let shard = 0; shard < deps.notifications.openShards; shard++) {
    let startKey: Record<string, unknown> | undefined;
    let taken = 0;
    do {
      const page = await deps.notifications.listOpen(shard, changed, { limit: Math.min(100, perShard - taken), startKey });
      stuck.push(...page.items);
      taken += page.items.length;
      startKey = page.lastKey;
    } while (startKey && taken < perShard);
  }

  const report: ReconcileReport = { checked: stuck.length, applied: 0, unchanged: 0, unknown: 0, failed: 0 };
  await mapLimit(stuck, opts.concurrency, async (n) => {
    if (!n.messageSid) {
      report.unknown += 1;
      return;
    }
    try {
      const current = await deps.twilio.fetchStatus(n.messageSid);
      if (!current) {
        report.unknown += 1;
        return;
      }
      const result = await applyStatusCallback(
        deps.notifications,
        {
          messageSid: n.messageSid,
          messageStatus: current.status,
          ...(current.errorCode ? { errorCode: current.errorCode } : {}),
          ref: { userId: n.userId, notificationId: n.notificationId },
        },
        now,
      );
      if (result === 'applied') report.applied += 1;
      else report.unchanged += 1;
    } catch {
      report.failed += 1;
    }
  });
  return report;
}
