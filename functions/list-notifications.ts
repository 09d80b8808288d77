import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { presentNotification } from '../shared/domain/files.ts';
import { notificationStatuses } from '../shared/domain/notification-status.ts';
import { pagedList, pageQuery, userRoute } from '../shared/http.ts';
import * as z from 'zod/mini';

const notifications = new DynamoNotificationRepository();

const query = z.strictObject({
  ...pageQuery,
  fileId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  status: z.optional(z.enum(notificationStatuses, { error: `status must be one of ${notificationStatuses.join(', ')}.` })),
});

export const handler = userRoute({ query }, async ({ userId, query }) =>
  pagedList(userId, 'notifications', query, (page) => notifications.list(userId, { fileId: query.fileId, status: query.status }, page), presentNotification),
);
