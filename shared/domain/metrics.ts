import type { MessageStats, NotificationCounts, QueueStatsSource } from '../ports.ts';
import { queues } from '../topology.ts';

export interface MetricsDeps {
  stats: MessageStats;
  notifications: NotificationCounts;
  queues: QueueStatsSource;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * GET /metrics: the caller's message totals (from running sums) and notification counts, and
 * every queue's depth. `queueSize` is everything in the ingest queue not yet processed: waiting,
 * in flight and delayed. Notification counts are bounded by when their upload happened (the key
 * they are sorted by): "today" is the UTC day.
 */
export async function readMetrics(deps: MetricsDeps, userId: string, owner: string, now: number = Date.now()) {
  const startOfDay = now - (now % DAY_MS);
  const count = (statuses: Parameters<NotificationCounts['count']>[1][], since?: number) =>
    Promise.all(statuses.map((s) => deps.notifications.count(userId, s, since))).then((counts) => counts.reduce((a, b) => a + b, 0));
  const [totals, depths, sentToday, failedLast24h, scheduled] = await Promise.all([
    deps.stats.totals(owner),
    deps.queues.depths(),
    count(['sent', 'delivered', 'read'], startOfDay),
    count(['failed', 'undelivered'], now - DAY_MS),
    count(['pending', 'queued']),
  ]);
  const ingest = depths[queues.ingest.name];
  return {
    messages: {
      totalProcessed: totals.processed,
      queueSize: ingest ? ingest.visible + ingest.inFlight + ingest.delayed : 0,
      avgProcessingMs: totals.processed > 0 ? Math.round(totals.processingMsTotal / totals.processed) : null,
    },
    notifications: { sentToday, failedLast24h, scheduled },
    queues: Object.fromEntries(Object.entries(depths).map(([name, d]) => [name, { visible: d.visible, inFlight: d.inFlight }])),
  };
}
