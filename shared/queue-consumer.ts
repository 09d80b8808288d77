import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { RetryLaterError } from './errors.ts';
import { logger } from './logger.ts';

/**
 * Wraps a per-record handler into an SQS consumer that reports partial batch failures: a
 * record whose handler throws is retried alone (and reaches the DLQ after maxReceiveCount),
 * while the rest of its batch is deleted. Records run concurrently.
 */
export function queueConsumer(recordHandler: (record: SQSRecord) => Promise<unknown>) {
  const handleRecord = async (record: SQSRecord) => {
    try {
      return await recordHandler(record);
    } catch (err) {
      const details = { messageId: record.messageId, receiveCount: record.attributes.ApproximateReceiveCount };
      if (err instanceof RetryLaterError) logger.info('Record deferred; it will come back', { ...details, reason: err.message });
      else logger.warn('Record failed; it will be retried', { ...details, error: err as Error });
      throw err;
    }
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    // A processor per invocation: it keeps the batch's results on itself, and invocations may overlap.
    processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
}

/** How many times SQS has handed this record out, this time included. */
export const receiveCountOf = (record: SQSRecord): number => Number(record.attributes.ApproximateReceiveCount ?? '1');
