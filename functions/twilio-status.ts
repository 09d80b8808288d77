import * as z from 'zod/mini';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { SqsStatusCallbackQueue } from '../shared/adapters/sqs-status-callback-queue-adapter.ts';
import { readConfig } from '../shared/config.ts';
import { receiveStatusCallback } from '../shared/domain/status-callback.ts';
import { ValidationError } from '../shared/errors.ts';
import { reportActivity } from '../shared/activity.ts';
import { logger } from '../shared/logger.ts';
import { metricNames } from '../shared/metric-names.ts';
import { countMetric } from '../shared/metrics.ts';
import { field, twilioWebhook, twiml } from '../shared/twilio-webhook.ts';
import { statusCallbackRef } from '../shared/schemas/status-callback-url.ts';

const config = readConfig(z.object({ STATUS_UPDATE_DEADLINE_MS: z._default(z.coerce.number().check(z.gt(0)), 3_000) }));
const deps = { notifications: new DynamoNotificationRepository(), deferred: new SqsStatusCallbackQueue() };

export const handler = twilioWebhook(async ({ params, query }) => {
  const messageSid = field(params, 'MessageSid');
  const messageStatus = field(params, 'MessageStatus') ?? field(params, 'SmsStatus');
  if (!messageSid || !messageStatus) throw new ValidationError('MessageSid and MessageStatus are required.');
  const ref = statusCallbackRef(query);
  const errorCode = field(params, 'ErrorCode');
  const outcome = await receiveStatusCallback(
    deps,
    {
      messageSid,
      messageStatus,
      ...(errorCode ? { errorCode } : {}),
      ...(ref ? { ref } : {}),
    },
    config.STATUS_UPDATE_DEADLINE_MS,
  );
  countMetric(metricNames.statusCallbacks, ['status', messageStatus]);
  if (outcome.result === 'deferred') countMetric(metricNames.statusCallbacksDeferred);
  if (outcome.result === 'applied') {
    reportActivity(`message ${messageSid} ${messageStatus}${errorCode ? ` (${errorCode})` : ''}`, {
      messageSid,
      messageStatus,
      ...(ref ? { notificationId: ref.notificationId } : {}),
    });
  }
  if (outcome.result === 'unknown') logger.warn('Status callback for an unknown message', { messageSid, messageStatus });
  if (outcome.result === 'deferred')
    logger.warn('Status callback deferred to the status-callback queue', { messageSid, messageStatus, reason: outcome.reason });
  return twiml();
});
