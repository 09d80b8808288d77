import { z } from 'zod';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { presentNotification } from '../shared/domain/files.ts';
import { notificationStatuses } from '../shared/domain/notification-status.ts';
import { pagedList, pageQuery, userRoute } from '../shared/http.ts';

const notifications = new DynamoNotificationRepository();

const query = z.strictObject({
  ...pageQuery,
  fileId: z.string().min(1).max(64).optional(),
  status: z.enum(notificationStatuses, { message: `status must be one of ${notificationStatuses.join(', ')}.` }).optional(),
});

export const handler = userRoute({ query }, async ({ userId, query }) =>
  pagedList(userId, query, (page) => notifications.list(userId, { fileId: query.fileId, status: query.status }, page), presentNotification),
);
