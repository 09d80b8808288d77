import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoNotificationRepository } from '../../shared/adapters/dynamo-notification-repository-adapter.ts';
import { twilioSignature } from '../../shared/adapters/twilio-signature.ts';
import { mapLimit } from '../../shared/domain/map-limit.ts';
import { newId, notificationIdFor } from '../../shared/domain/ids.ts';
import type { NotificationStatus } from '../../shared/domain/notification-status.ts';
import type { NotificationRecord } from '../../shared/ports.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/engines.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import type { BenchResult } from './report.ts';
import { round, seededRandom, summarize } from './stats.ts';

type Callback = { status: string; errorCode?: string };

/** How messages end, as Twilio reports them, and how often. */
const lifecycles: Array<{ weight: number; path: Callback[]; final: NotificationStatus; errorCode?: string }> = [
  { weight: 0.7, path: [{ status: 'queued' }, { status: 'sending' }, { status: 'sent' }, { status: 'delivered' }], final: 'delivered' },
  { weight: 0.1, path: [{ status: 'queued' }, { status: 'sent' }, { status: 'delivered' }, { status: 'read' }], final: 'read' },
  { weight: 0.15, path: [{ status: 'queued' }, { status: 'sent' }, { status: 'undelivered', errorCode: '30003' }], final: 'undelivered', errorCode: '30003' },
  { weight: 0.05, path: [{ status: 'queued' }, { status: 'failed', errorCode: '30008' }], final: 'failed', errorCode: '30008' },
];

const CALLBACKS_PER_NOTIFICATION = 4;

/**
 * `callbacks` signed status callbacks over HTTP into the local runtime, for a quarter as many
 * notifications: each gets its final status plus three others of its lifecycle (duplicates
 * likely), and the whole set is shuffled and sent `concurrency` at a time. Reports the sustained
 * rate and latency, and checks that no callback was refused and every notification ended in
 * the status of its highest rank, with one history entry per status.
 */
export async function statusCallbacksBenchmark(opts: { callbacks: number; concurrency: number; seed?: number }): Promise<BenchResult> {
  const started = performance.now();
  const random = seededRandom(opts.seed ?? 20_261_121);
  const runtime = await startLocalRuntime({ port: 0, logLevel: 'ERROR' });
  const dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint });
  const notifications = new DynamoNotificationRepository(
    runtime.resources.tableNames.notifications,
    DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
  );
  try {
    const count = Math.max(1, Math.floor(opts.callbacks / CALLBACKS_PER_NOTIFICATION));
    const at = new Date().toISOString();
    const plans = Array.from({ length: count }, (_, i) => {
      const lifecycle = pickWeighted(lifecycles, random());
      const userId = `bench-${i % 50}`;
      const fileId = newId();
      const ruleId = newId();
      const notificationId = notificationIdFor(fileId, ruleId);
      const final = lifecycle.path.at(-1)!;
      const callbacks = [final, ...Array.from({ length: CALLBACKS_PER_NOTIFICATION - 1 }, () => lifecycle.path[Math.floor(random() * lifecycle.path.length)]!)];
      const record: NotificationRecord = {
        userId,
        notificationId,
        fileId,
        ruleId,
        channel: 'sms',
        target: '+14155550100',
        status: 'pending',
        attempts: 1,
        createdAt: at,
        updatedAt: at,
        history: [{ status: 'pending', at }],
        file: {
          fileName: `f${i}.txt`,
          fileType: 'txt',
          contentType: 'text/plain',
          sizeBytes: 1,
          tags: [],
          uploadedAt: at,
          objectKey: `uploads/${userId}/${fileId}`,
        },
      };
      return { record, lifecycle, callbacks, messageSid: `SM${randomUUID().replace(/-/g, '')}` };
    });
    await mapLimit(plans, 20, (plan) => notifications.createIfAbsent(plan.record));

    const sends = plans.flatMap((plan) => plan.callbacks.map((callback) => ({ plan, callback })));
    for (let i = sends.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [sends[i], sends[j]] = [sends[j]!, sends[i]!];
    }

    const latencies: number[] = [];
    const refused = new Map<number, number>();
    const sendStarted = performance.now();
    await mapLimit(sends, opts.concurrency, async ({ plan, callback }) => {
      const path = `/twilio/status?${new URLSearchParams({ u: plan.record.userId, n: plan.record.notificationId })}`;
      const form: Record<string, string> = {
        AccountSid: runtime.twilio.accountSid,
        MessageSid: plan.messageSid,
        SmsSid: plan.messageSid,
        MessageStatus: callback.status,
        SmsStatus: callback.status,
        To: plan.record.target,
        From: runtime.twilio.fromNumber,
        ApiVersion: '2010-04-01',
        ...(callback.errorCode ? { ErrorCode: callback.errorCode } : {}),
      };
      const t0 = performance.now();
      const response = await fetch(`${runtime.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature(runtime.twilio.authToken, `${runtime.publicBaseUrl}${path}`, form),
        },
        body: new URLSearchParams(form).toString(),
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (response.status !== 200) refused.set(response.status, (refused.get(response.status) ?? 0) + 1);
    });
    const sendSeconds = (performance.now() - sendStarted) / 1000;

    // Callbacks the webhook handed to the status-callback queue land a little later.
    const wrong = async () => {
      const out: string[] = [];
      await mapLimit(plans, 20, async (plan) => {
        const n = await notifications.get(plan.record.userId, plan.record.notificationId);
        const statuses = n?.history.map((h) => h.status) ?? [];
        const ok =
          n?.status === plan.lifecycle.final &&
          n.messageSid === plan.messageSid &&
          n.errorCode === plan.lifecycle.errorCode &&
          new Set(statuses).size === statuses.length;
        if (!ok) out.push(plan.record.notificationId);
      });
      return out;
    };
    let notConverged = await wrong();
    const deadline = Date.now() + 30_000;
    while (notConverged.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      notConverged = await wrong();
    }

    const l = summarize(latencies);
    const refusedCount = [...refused.values()].reduce((a, b) => a + b, 0);
    return {
      benchmark: 'status-callbacks',
      description: `${sends.length} signed status callbacks over HTTP for ${count} notifications (${CALLBACKS_PER_NOTIFICATION} each: the final status and three of its lifecycle, duplicates likely), shuffled and sent ${opts.concurrency} at a time into the local runtime.`,
      figures: [
        { name: 'sustained rate', value: round(sends.length / sendSeconds, 0), unit: 'callbacks/s', spread: `${sends.length} in ${round(sendSeconds, 1)} s` },
        { name: 'latency p50', value: round(l.median, 1), unit: 'ms', spread: `p95 ${round(l.p95, 1)}, p99 ${round(l.p99, 1)}, max ${round(l.max, 1)}` },
        { name: 'latency p95', value: round(l.p95, 1), unit: 'ms' },
        { name: 'latency p99', value: round(l.p99, 1), unit: 'ms' },
        {
          name: 'answers other than 200',
          value: refusedCount,
          unit: 'count',
          spread: [...refused].map(([status, n]) => `${n}× ${status}`).join(', ') || undefined,
          goal: '0',
          met: refusedCount === 0,
        },
        {
          name: 'notifications not in their highest status',
          value: notConverged.length,
          unit: 'count',
          spread: `of ${count}`,
          goal: '0',
          met: notConverged.length === 0,
        },
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    dynamo.destroy();
    await runtime.stop();
  }
}

/** The entry whose share of the total weight `pick` (in [0, 1)) falls in. */
function pickWeighted<T extends { weight: number }>(entries: readonly T[], pick: number): T {
  let left = pick;
  for (const entry of entries) {
    left -= entry.weight;
    if (left < 0) return entry;
  }
  return entries[0]!;
}
