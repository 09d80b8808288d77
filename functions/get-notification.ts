import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { presentNotification } from '../shared/domain/files.ts';
import { getNotification } from '../shared/domain/send-api.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { notificationIdParams } from '../shared/schemas/path-params.schema.ts';

const notifications = new DynamoNotificationRepository();

export const handler = userRoute({ params: notificationIdParams }, async ({ userId, params }) =>
  json(200, presentNotification(await getNotification(notifications, userId, params.notificationId))),
);
