import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { presentNotification } from '../shared/domain/files.ts';
import { pagedList } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { e164Form } from '../shared/domain/phone-form.ts';
import { listNotificationsQuery as query } from '../shared/schemas/notification-query.schema.ts';

const notifications = new DynamoNotificationRepository();

// `to` is matched as stored: E.164 for phone numbers (so "+1 415 555 0100" finds them too), lower case for email.
const recipient = (to: string | undefined) => (to === undefined ? undefined : (e164Form(to) ?? to.toLowerCase()));

export const handler = userRoute({ query }, async ({ userId, query }) =>
  pagedList(
    userId,
    'notifications',
    query,
    (page) => notifications.list(userId, { fileId: query.fileId, status: query.status, source: query.source, to: recipient(query.to) }, page),
    presentNotification,
  ),
);
