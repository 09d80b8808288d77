import { DynamoFileRepository } from '../shared/adapters/dynamo-file-repository-adapter.ts';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoSendGuards } from '../shared/adapters/dynamo-send-guards-adapter.ts';
import { DynamoSettingsRepository } from '../shared/adapters/dynamo-settings-repository-adapter.ts';
import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import { SqsNotificationQueue } from '../shared/adapters/sqs-notification-queue-adapter.ts';
import { presentNotification } from '../shared/domain/files.ts';
import { createBatch } from '../shared/domain/send-api.ts';
import { json, parseWith } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { configuredTargetPolicy } from '../shared/targets.ts';
import { batchRequestSchema, sendRequestSchema } from '../shared/schemas/notification.schema.ts';

const deps = {
  notifications: new DynamoNotificationRepository(),
  queue: new SqsNotificationQueue(),
  guards: new DynamoSendGuards(),
  settings: new DynamoSettingsRepository(),
  templates: new DynamoTemplateRepository(),
  files: new DynamoFileRepository(),
  targetPolicy: configuredTargetPolicy(),
};

export const handler = userRoute({ body: batchRequestSchema }, async ({ userId, body }) => {
  const results = await createBatch(deps, userId, body.items, (item) => parseWith(sendRequestSchema, item, 'item'));
  return json(200, {
    results: results.map((r) =>
      'notification' in r
        ? { index: r.index, status: r.status, notification: { ...presentNotification(r.notification), ...(r.duplicate ? { duplicate: true } : {}) } }
        : r,
    ),
  });
});
