import { queues } from '../shared/topology.ts';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { applyStatusCallback } from '../shared/domain/status-callback.ts';
import { RetryLaterError } from '../shared/errors.ts';
import { logger } from '../shared/logger.ts';
import { queueConsumer } from '../shared/queue-consumer.ts';
import { statusCallbackBody } from '../shared/schemas/status-callback.schema.ts';

const notifications = new DynamoNotificationRepository();

export const handler = queueConsumer(queues.statusCallback, async (record) => {
  const callback = statusCallbackBody.parse(record.body);
  let result: Awaited<ReturnType<typeof applyStatusCallback>>;
  try {
    result = await applyStatusCallback(notifications, callback);
  } catch (err) {
    // The store that made the webhook defer may still be struggling: come back after a backoff.
    throw new RetryLaterError(`Could not store the status callback yet: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
  }
  if (result === 'unknown') logger.warn('Deferred status callback for an unknown message', { messageSid: callback.messageSid });
  return result;
});
