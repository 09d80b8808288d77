import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoOptOutRepository } from '../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { S3FileStore } from '../shared/adapters/s3-file-store-adapter.ts';
import { TwilioMessageGateway } from '../shared/adapters/twilio-message-gateway-adapter.ts';
import { configParts, readConfig } from '../shared/config.ts';
import { sendNotification } from '../shared/domain/send-notification.ts';
import { queueConsumer, receiveCountOf } from '../shared/queue-consumer.ts';
import { queues } from '../lib/topology.ts';
import * as z from 'zod/mini';

const baseUrl = readConfig(configParts.publicBaseUrl).PUBLIC_BASE_URL.replace(/\/+$/, '');
const refSchema = z.object({ userId: z.string().check(z.minLength(1)), notificationId: z.string().check(z.minLength(1)) });

const deps = {
  notifications: new DynamoNotificationRepository(),
  gateway: new TwilioMessageGateway(),
  optOuts: new DynamoOptOutRepository(),
  store: new S3FileStore(),
  statusCallbackUrl: (n: { userId: string; notificationId: string }) =>
    `${baseUrl}/twilio/status?${new URLSearchParams({ u: n.userId, n: n.notificationId })}`,
};

export const handler = queueConsumer(queues.notification, async (record) => {
  const ref = refSchema.parse(JSON.parse(record.body));
  return sendNotification(deps, ref, {
    receiveCount: receiveCountOf(record),
    maxReceives: queues.notification.maxReceiveCount,
  });
});
