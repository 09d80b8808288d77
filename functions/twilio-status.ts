import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { applyStatusCallback } from '../shared/domain/status-callback.ts';
import { ValidationError } from '../shared/errors.ts';
import { logger } from '../shared/logger.ts';
import { field, twilioWebhook, twiml } from '../shared/twilio-webhook.ts';

const notifications = new DynamoNotificationRepository();

export const handler = twilioWebhook(async ({ params, query }) => {
  const messageSid = field(params, 'MessageSid');
  const messageStatus = field(params, 'MessageStatus') ?? field(params, 'SmsStatus');
  if (!messageSid || !messageStatus) throw new ValidationError('MessageSid and MessageStatus are required.');
  const userId = query.get('u');
  const notificationId = query.get('n');
  const result = await applyStatusCallback(notifications, {
    messageSid,
    messageStatus,
    errorCode: field(params, 'ErrorCode'),
    ...(userId && notificationId ? { ref: { userId, notificationId } } : {}),
  });
  if (result === 'unknown') logger.warn('Status callback for an unknown message', { messageSid, messageStatus });
  return twiml();
});
