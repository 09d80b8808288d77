import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoSettingsRepository } from '../shared/adapters/dynamo-settings-repository-adapter.ts';
import { SqsNotificationQueue } from '../shared/adapters/sqs-notification-queue-adapter.ts';
import { presentNotification } from '../shared/domain/files.ts';
import { rescheduleSend } from '../shared/domain/send-api.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { rescheduleSchema } from '../shared/schemas/notification.schema.ts';
import { notificationIdParams } from '../shared/schemas/path-params.schema.ts';

const deps = { notifications: new DynamoNotificationRepository(), queue: new SqsNotificationQueue(), settings: new DynamoSettingsRepository() };

export const handler = userRoute({ params: notificationIdParams, body: rescheduleSchema }, async ({ userId, params, body }) =>
  json(200, presentNotification(await rescheduleSend(deps, userId, params.notificationId, body.sendAt))),
);
