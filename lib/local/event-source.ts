import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../shared/logger.ts';
import { lambdaContext } from './lambda-context.ts';
import { withTimeout } from './timeout.ts';

// biome-ignore lint/suspicious/noConfusingVoidType: a Lambda SQS handler may return nothing, as the aws-lambda types declare.
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface EventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  functionName: string;
  handler: SqsHandler;
  batchSize: number;
  /** Invocations in flight at most, like the event source mapping's maximum concurrency. */
  concurrency: number;
  timeoutSeconds: number;
  region: string;
  /** Long-poll wait; short so that stopping is quick. */
  waitSeconds?: number;
  /**
   * Hands every batch to two concurrent invocations, as SQS's at-least-once delivery may; a
   * record counts as done when either invocation succeeded with it. For fault runs and tests.
   */
  duplicateDeliveries?: boolean;
  /**
   * Kills the first invocation whose batch holds at least two records halfway: the first half of
   * its records are handled, then it dies without answering, as a Lambda that runs out of memory
   * would. Its whole batch comes back after the visibility timeout. For fault runs.
   */
  killOnceMidBatch?: boolean;
}

/**
 * What Lambda's SQS event source mapping does, on the embedded queue: long-poll batches,
 * invoke the unmodified handler with an SQSEvent, delete what succeeded and leave the
 * reported failures (or the whole batch, if the invocation throws or times out) to come back
 * after the visibility timeout, and to the DLQ after maxReceiveCount, as the queue decides.
 */
export class SqsEventSource {
  private running = false;
  private killed = false;
  private readonly pollers: Array<Promise<void>> = [];
  private readonly abort = new AbortController();

  constructor(private readonly opts: EventSourceOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.opts.concurrency; i++) this.pollers.push(this.poll());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await Promise.allSettled(this.pollers);
  }

  private async poll(): Promise<void> {
    while (this.running) {
      let messages: Message[] = [];
      try {
        const out = await this.opts.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.opts.queueUrl,
            MaxNumberOfMessages: this.opts.batchSize,
            WaitTimeSeconds: this.opts.waitSeconds ?? 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (err) {
        if (!this.running) return;
        logger.warn('Receive failed; polling again', { queueUrl: this.opts.queueUrl, error: err as Error });
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length > 0) await this.invoke(messages);
    }
  }

  private async invoke(messages: Message[]): Promise<void> {
    const records = messages.map((m) => this.toRecord(m));
    if (this.opts.killOnceMidBatch && !this.killed && records.length >= 2) {
      this.killed = true;
      await this.invokeOnce(records.slice(0, Math.floor(records.length / 2)));
      logger.warn(`${this.opts.functionName} killed mid-batch (fault run); its batch returns after the visibility timeout`);
      return;
    }
    const copies = this.opts.duplicateDeliveries ? 2 : 1;
    const outcomes = await Promise.all(Array.from({ length: copies }, () => this.invokeOnce(records)));
    // A record is done when any delivery of it succeeded: that one would have deleted it.
    const done = messages.filter((m) => outcomes.some((failed) => failed && !failed.has(m.MessageId!)));
    if (done.length === 0) return;
    await this.opts.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.opts.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }

  /** One invocation; the ids it reported as failed, or undefined when the whole invocation failed. */
  private async invokeOnce(records: SQSRecord[]): Promise<Set<string> | undefined> {
    try {
      const response = await withTimeout(
        this.opts.handler({ Records: records }, lambdaContext(this.opts.functionName, this.opts.timeoutSeconds)),
        this.opts.timeoutSeconds * 1000,
      );
      return new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      logger.error(`${this.opts.functionName} invocation failed; the whole batch returns to the queue`, err as Error);
      return undefined;
    }
  }

  private toRecord(m: Message): SQSRecord {
    const attrs = m.Attributes ?? {};
    return {
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
        SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
        SenderId: attrs.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          {
            stringValue: v.StringValue,
            binaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue).toString('base64') : undefined,
            stringListValues: [],
            binaryListValues: [],
            dataType: v.DataType ?? 'String',
          },
        ]),
      ),
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.opts.queueArn,
      awsRegion: this.opts.region,
    };
  }
}
