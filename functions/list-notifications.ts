import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { presentNotification } from '../shared/domain/files.ts';
import { pagedList, pageQuery, userRoute } from '../shared/http.ts';
import * as z from 'zod/mini';
import { toE164 } from '../shared/domain/phone.ts';
import { notificationFilters } from '../shared/schemas/notification.schema.ts';

const notifications = new DynamoNotificationRepository();

const query = z.strictObject({ ...pageQuery, ...notificationFilters });

// `to` is matched as stored: E.164 for phone numbers (so "+1 415 555 0100" finds them too), lower case for email.
const recipient = (to: string | undefined) => (to === undefined ? undefined : (toE164(to) ?? to.toLowerCase()));

export const handler = userRoute({ query }, async ({ userId, query }) =>
  pagedList(
    userId,
    'notifications',
    query,
    (page) => notifications.list(userId, { fileId: query.fileId, status: query.status, source: query.source, to: recipient(query.to) }, page),
    presentNotification,
  ),
);
