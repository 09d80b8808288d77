import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { configParts, readConfig } from '../config.ts';
import type { NotificationQueue, NotificationRef } from '../ports.ts';
import { sqsClient } from './sqs-client.ts';
import * as z from 'zod/mini';
import { PRIORITY_LANE } from '../domain/priority.ts';
import { timerDelaySeconds } from '../domain/timer.ts';
import { queues } from '../topology.ts';
import { notificationRefBody } from '../schemas/notification-ref.schema.ts';

const BATCH = 10;
const ATTEMPTS = 3;

/**
 * A timer's delay, counted when it is handed to SQS rather than when it was planned, so time
 * spent in between (a batch being written, a sweep's pages) does not make it late. Whole seconds
 * rounded up, less the sender's lead (TIMER_LEAD_MS), at most SQS's 15 minutes.
 */
function delayOf(ref: NotificationRef, now: number): { DelaySeconds?: number } {
  const seconds = ref.dueAt ? timerDelaySeconds(Date.parse(ref.dueAt), now) : Math.ceil(ref.delaySeconds ?? 0);
  return seconds > 0 ? { DelaySeconds: Math.min(900, seconds) } : {};
}

/**
 * The notification queue. Sends in batches of ten (SQS's maximum, a tenth of the requests)
 * and resends the entries a batch reports as failed; what still fails is thrown, so the
 * upload event is retried and the fan-out, being idempotent, completes.
 */
export class SqsNotificationQueue implements NotificationQueue {
  constructor(
    private readonly queueUrl: string = readConfig(configParts.notificationQueue).NOTIFICATION_QUEUE_URL,
    private readonly client: SQSClient = sqsClient,
    /** The priority lane; without one, every send takes the normal queue. */
    private readonly priorityQueueUrl: string | undefined = readConfig(
      z.object({ [queues.priority.envVar]: z.optional(z.string().check(z.minLength(1))) }),
    ).PRIORITY_QUEUE_URL,
  ) {}

  async enqueue(refs: NotificationRef[]): Promise<void> {
    const chunks: Array<[string, NotificationRef[]]> = [];
    for (const [url, lane] of this.lanes(refs)) {
      for (let i = 0; i < lane.length; i += BATCH) chunks.push([url, lane.slice(i, i + BATCH)]);
    }
    await Promise.all(chunks.map(([url, chunk]) => this.sendChunk(url, chunk)));
  }

  /** Sends of priority 5 and above travel the priority lane when there is one. */
  private lanes(refs: NotificationRef[]): Array<[string, NotificationRef[]]> {
    if (!this.priorityQueueUrl) return [[this.queueUrl, refs]];
    const urgent = refs.filter((r) => (r.priority ?? 0) >= PRIORITY_LANE);
    const normal = refs.filter((r) => (r.priority ?? 0) < PRIORITY_LANE);
    return [
      [this.priorityQueueUrl, urgent],
      [this.queueUrl, normal],
    ];
  }

  private async sendChunk(queueUrl: string, chunk: NotificationRef[]): Promise<void> {
    let pending = chunk.map((ref, i) => ({
      Id: String(i),
      MessageBody: notificationRefBody.build({ userId: ref.userId, notificationId: ref.notificationId, ...(ref.dueAt ? { dueAt: ref.dueAt } : {}) }),
      ...delayOf(ref, Date.now()),
    }));
    for (let attempt = 1; attempt <= ATTEMPTS && pending.length > 0; attempt++) {
      const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = new Set((out.Failed ?? []).map((f) => f.Id));
      pending = pending.filter((e) => failed.has(e.Id));
    }
    if (pending.length > 0) {
      throw new Error(`Could not enqueue ${pending.length} notification(s) after ${ATTEMPTS} attempts.`);
    }
  }
}
