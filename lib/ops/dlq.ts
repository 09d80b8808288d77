import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { deadLetterSchema, type DeadLetterBody } from '../../shared/schemas/queue-body.ts';

/** A queue and its dead-letter queue, by URL. */
export interface QueuePair {
  name: string;
  queueUrl: string;
  dlqUrl: string;
}

export interface DeadLetter {
  messageId: string;
  sentAt?: string;
  receiveCount: number;
  /**
   * The envelope a consumer wrote when it gave the record up (`deadLetterSchema`: the record as
   * `payload`, with its outcome); otherwise the record as the queue's own redrive moved it, parsed
   * when it is JSON.
   */
  body: DeadLetterBody | unknown;
}

const parse = (body: string | undefined): unknown => {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return body;
  }
  const letter = deadLetterSchema.safeParse(json);
  return letter.success ? letter.data : json;
};

/**
 * Up to `max` messages on the DLQ, left there: each is hidden only while being read, then made
 * visible again at once.
 */
export async function listDeadLetters(sqs: SQSClient, pair: QueuePair, max = 50): Promise<DeadLetter[]> {
  const seen = new Map<string, Message>();
  while (seen.size < max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: pair.dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - seen.size),
        VisibilityTimeout: 30,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const fresh = Messages.filter((m) => !seen.has(m.MessageId!));
    if (fresh.length === 0) break;
    for (const m of fresh) seen.set(m.MessageId!, m);
  }
  const all = [...seen.values()];
  for (let i = 0; i < all.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: pair.dlqUrl,
        Entries: all.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
  }
  return all.map((m) => ({
    messageId: m.MessageId!,
    sentAt: m.Attributes?.SentTimestamp ? new Date(Number(m.Attributes.SentTimestamp)).toISOString() : undefined,
    receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
    body: parse(m.Body),
  }));
}

/** A message as the embedded SQS engine shows it to its inspection route. */
interface EngineMessage {
  messageId: string;
  body: string;
  sentTimestamp: number;
  approximateReceiveCount: number;
}

/**
 * Up to `max` messages on a DLQ of the embedded engine, read through its inspection route, which
 * touches nothing. (The engine's saved-state mode loses a message made visible again with
 * ChangeMessageVisibility 0, which is how `listDeadLetters` puts them back on AWS.)
 */
export async function inspectLocalDeadLetters(endpoint: string, pair: QueuePair, max = 50): Promise<DeadLetter[]> {
  const name = new URL(pair.dlqUrl).pathname.split('/').pop()!;
  const response = await fetch(`${endpoint}/_fauxqs/queues/${encodeURIComponent(name)}`);
  if (!response.ok) throw new Error(`The embedded SQS has no queue ${name} (HTTP ${response.status}).`);
  const { messages } = (await response.json()) as {
    messages: { ready: EngineMessage[]; delayed: EngineMessage[]; inflight: Array<{ message: EngineMessage }> };
  };
  return [...messages.ready, ...messages.delayed, ...messages.inflight.map((m) => m.message)].slice(0, max).map((m) => ({
    messageId: m.messageId,
    sentAt: new Date(m.sentTimestamp).toISOString(),
    receiveCount: m.approximateReceiveCount,
    body: parse(m.body),
  }));
}

/**
 * Moves the DLQ's messages back to their queue. On AWS this is SQS's own move task, at
 * `ratePerSecond`; the embedded engine has none, so locally the messages are copied and deleted
 * in batches. Either way the consumers' idempotency makes a replay safe: a notification already
 * sent or failed is skipped (its status never moves backwards); one still pending is sent.
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  pair: QueuePair,
  opts: { ratePerSecond?: number; engine: 'aws' | 'local' },
): Promise<{ moved: number | 'started'; taskHandle?: string }> {
  if (opts.engine === 'aws') {
    const arnOf = async (url: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const task = await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: await arnOf(pair.dlqUrl),
        DestinationArn: await arnOf(pair.queueUrl),
        ...(opts.ratePerSecond ? { MaxNumberOfMessagesPerSecond: opts.ratePerSecond } : {}),
      }),
    );
    return { moved: 'started', taskHandle: task.TaskHandle };
  }
  let moved = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: pair.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return { moved };
    const sent = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: pair.queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body! })) }),
    );
    const failed = new Set((sent.Failed ?? []).map((f) => f.Id));
    const done = Messages.filter((_, i) => !failed.has(String(i)));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: pair.dlqUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
      );
    }
    moved += done.length;
    if (opts.ratePerSecond) await new Promise((r) => setTimeout(r, (1000 * done.length) / opts.ratePerSecond!));
  }
}

/** Deletes every message on the DLQ. */
export async function purgeDeadLetters(sqs: SQSClient, pair: QueuePair): Promise<void> {
  await sqs.send(new PurgeQueueCommand({ QueueUrl: pair.dlqUrl }));
}
