import { DynamoFileRepository } from './adapters/dynamo-file-repository-adapter.ts';
import { DynamoNotificationRepository } from './adapters/dynamo-notification-repository-adapter.ts';
import { DynamoSendGuards } from './adapters/dynamo-send-guards-adapter.ts';
import { DynamoSettingsRepository } from './adapters/dynamo-settings-repository-adapter.ts';
import { DynamoTemplateRepository } from './adapters/dynamo-template-repository-adapter.ts';
import { SqsNotificationQueue } from './adapters/sqs-notification-queue-adapter.ts';
import type { Send } from './domain/conversations.ts';
import { createSend } from './domain/send-api.ts';
import { sendRequestSchema } from './schemas/notification.schema.ts';
import { configuredTargetPolicy } from './targets.ts';

/**
 * A line's messages go through POST /notifications' own path: the same validation, settings,
 * idempotency and dedup guards, and queue, so the sender applies opt-outs, pacing and exactly-once.
 */
export function pipelineSend(notifications = new DynamoNotificationRepository()): Send {
  const deps = {
    notifications,
    queue: new SqsNotificationQueue(),
    guards: new DynamoSendGuards(),
    settings: new DynamoSettingsRepository(),
    templates: new DynamoTemplateRepository(),
    files: new DynamoFileRepository(),
    targetPolicy: configuredTargetPolicy(),
  };
  return (userId, request, opts) => createSend(deps, userId, sendRequestSchema.parse(request), undefined, opts);
}
