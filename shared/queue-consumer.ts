import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import type { QueueSpec } from './topology.ts';
import { sqsClient } from './adapters/sqs-client.ts';
import { readConfig } from './config.ts';
import { DeferError, GiveUpError, RetryLaterError } from './errors.ts';
import { deadLetterBody } from './schemas/queue-body.ts';
import { reportActivity } from './activity.ts';
import { metricNames } from './metric-names.ts';
import { countMetric, timeMetric } from './metrics.ts';
import { correlationOf, logger, withCorrelation, withInvocation } from './logger.ts';

/** How long a deferred record stays hidden: exponential in its receives, with jitter, capped. */
export function backoffSeconds(receiveCount: number, base: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, receiveCount - 1));
  // "Equal jitter": at least half the step, so retries spread out but never come back at once.
  return Math.max(1, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}

const retryConfig = z.object({
  RETRY_BASE_SECONDS: z._default(z.coerce.number().check(z.gte(1)), 10),
  RETRY_MAX_SECONDS: z._default(z.coerce.number().check(z.gte(1), z.lte(43_200)), 900),
});

/**
 * Wraps a per-record handler into the consumer of `queue`, reporting partial batch failures so
 * one record never holds up its batch. A handler that throws DeferError has its record put back
 * as a fresh, delayed copy (waiting is not failing); one that throws RetryLaterError has its record
 * hidden for an exponential backoff (by changing its visibility: no Lambda waits it out); one
 * that throws GiveUpError has its record sent to the DLQ with its outcome and deleted; any
 * other error leaves the record to the queue's own visibility timeout and redrive.
 */
export function queueConsumer(queue: QueueSpec | readonly QueueSpec[], recordHandler: (record: SQSRecord) => Promise<unknown>, client: SQSClient = sqsClient) {
  // A function may consume several queues (the sender serves the normal and the priority lane):
  // a record goes back to, or on from, the queue it came from, told apart by the queue name that
  // ends both its event source ARN and the queue's URL.
  const lanes = (Array.isArray(queue) ? queue : [queue]).map((spec: QueueSpec) => {
    const urls = readConfig(z.object({ [spec.envVar]: z.string().check(z.minLength(1)), [spec.dlqEnvVar]: z.string().check(z.minLength(1)) }));
    const queueUrl = String(urls[spec.envVar]);
    return { queueUrl, dlqUrl: String(urls[spec.dlqEnvVar]), name: queueUrl.split('/').at(-1), queue: spec.name };
  });
  const laneOf = (record: SQSRecord) => lanes.find((lane) => record.eventSourceARN?.split(':').at(-1) === lane.name) ?? lanes[0]!;
  const retry = readConfig(retryConfig);

  const handleRecord = async (record: SQSRecord) => {
    const { queueUrl, dlqUrl, name, queue } = laneOf(record);
    const details = { messageId: record.messageId, receiveCount: record.attributes.ApproximateReceiveCount };
    const started = performance.now();
    try {
      return await recordHandler(record);
    } catch (err) {
      if (err instanceof DeferError) {
        // A fresh copy starts with no receives; SQS delays go up to 15 minutes.
        const delaySeconds = err.delayAt(Date.now());
        await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: err.body ?? record.body, DelaySeconds: delaySeconds }));
        logger.debug('Record deferred by a fresh copy', { ...details, delaySeconds, reason: err.message });
        countMetric(metricNames.deferrals, ['queue', queue]);
        return;
      }
      if (err instanceof GiveUpError) {
        await client.send(
          new SendMessageCommand({
            QueueUrl: dlqUrl,
            MessageBody: deadLetterBody.build({
              payload: parseOrRaw(record.body),
              status: err.outcome.status,
              error: err.message,
              ...(err.cause !== undefined ? { cause: describeCause(err.cause) } : {}),
              ...(err.outcome.errorCode ? { errorCode: err.outcome.errorCode } : {}),
              retryCount: err.outcome.attempts,
              failedAt: new Date().toISOString(),
            }),
          }),
        );
        logger.warn('Record given up; sent to the dead-letter queue', { ...details, reason: err.message, ...causeOf(err) });
        reportActivity(`gave up on a ${name} record, now on its dead-letter queue: ${err.message}`, { ...details });
        return;
      }
      if (err instanceof RetryLaterError) {
        const delay = backoffSeconds(receiveCountOf(record), retry.RETRY_BASE_SECONDS, retry.RETRY_MAX_SECONDS);
        await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: delay }));
        logger.info('Record deferred; it will come back', { ...details, delaySeconds: delay, reason: err.message, ...causeOf(err) });
      } else {
        logger.warn('Record failed; it will be retried', { ...details, error: err as Error });
      }
      throw err;
    } finally {
      timeMetric(metricNames.processingTime, performance.now() - started, ['queue', queue]);
    }
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    withInvocation(context, () =>
      // A processor per invocation: it keeps the batch's results on itself, and invocations may overlap.
      // Each record's ids (a notification's, a message's SID) go on every line its handling writes.
      processPartialResponse(
        event,
        (record: SQSRecord) => withCorrelation(correlationOf(parseOrRaw(record.body)), () => handleRecord(record)),
        new BatchProcessor(EventType.SQS),
        {
          context,
          throwOnFullBatchFailure: false,
        },
      ),
    );
}

/** A cause in a few words for logs and dead letters: its name and message, or its text. */
function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

const causeOf = (err: Error): { cause?: string } => (err.cause !== undefined ? { cause: describeCause(err.cause) } : {});

function parseOrRaw(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** How many times SQS has handed this record out, this time included. */
export const receiveCountOf = (record: SQSRecord): number => Number(record.attributes.ApproximateReceiveCount ?? '1');
