import * as z from 'zod/mini';
import { DynamoFileRepository } from '../shared/adapters/dynamo-file-repository-adapter.ts';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoSendGuards } from '../shared/adapters/dynamo-send-guards-adapter.ts';
import { DynamoSettingsRepository } from '../shared/adapters/dynamo-settings-repository-adapter.ts';
import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import { SqsNotificationQueue } from '../shared/adapters/sqs-notification-queue-adapter.ts';
import { presentNotification } from '../shared/domain/files.ts';
import { createBatch, MAX_BATCH } from '../shared/domain/send-api.ts';
import { json, parseWith, userRoute } from '../shared/http.ts';
import { sendRequestSchema } from '../shared/schemas/notification.schema.ts';

const deps = {
  notifications: new DynamoNotificationRepository(),
  queue: new SqsNotificationQueue(),
  guards: new DynamoSendGuards(),
  settings: new DynamoSettingsRepository(),
  templates: new DynamoTemplateRepository(),
  files: new DynamoFileRepository(),
};

const body = z.strictObject({
  items: z
    .array(z.unknown(), { error: 'items must be an array of sends.' })
    .check(z.minLength(1, 'items must hold at least one send.'), z.maxLength(MAX_BATCH, `items may hold at most ${MAX_BATCH} sends.`)),
});

export const handler = userRoute({ body }, async ({ userId, body }) => {
  const results = await createBatch(deps, userId, body.items, (item) => parseWith(sendRequestSchema, item, 'item'));
  return json(200, {
    results: results.map((r) =>
      'notification' in r ? { index: r.index, status: r.status, notification: { ...presentNotification(r.notification), ...(r.duplicate ? { duplicate: true } : {}) } } : r,
    ),
  });
});
