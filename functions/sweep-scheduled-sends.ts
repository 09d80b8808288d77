import type { ScheduledEvent } from 'aws-lambda';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { SqsNotificationQueue } from '../shared/adapters/sqs-notification-queue-adapter.ts';
import { sweepDueSends, type SweepReport } from '../shared/domain/send-api.ts';
import { logger } from '../shared/logger.ts';

const deps = { notifications: new DynamoNotificationRepository(), queue: new SqsNotificationQueue() };

export const handler = async (_event: ScheduledEvent): Promise<SweepReport> => {
  const report = await sweepDueSends(deps);
  if (report.enqueued > 0) logger.info('Set the timers of scheduled sends due soon', { ...report });
  return report;
};
