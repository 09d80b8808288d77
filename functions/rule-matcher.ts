import { DynamoFileRepository } from '../shared/adapters/dynamo-file-repository-adapter.ts';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoRuleRepository } from '../shared/adapters/dynamo-rule-repository-adapter.ts';
import { DynamoSendGuards } from '../shared/adapters/dynamo-send-guards-adapter.ts';
import { DynamoSettingsRepository } from '../shared/adapters/dynamo-settings-repository-adapter.ts';
import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import { S3FileStore } from '../shared/adapters/s3-file-store-adapter.ts';
import { SqsNotificationQueue } from '../shared/adapters/sqs-notification-queue-adapter.ts';
import { recordUploadAndFanOut } from '../shared/domain/fan-out.ts';
import { reportActivity } from '../shared/activity.ts';
import { queueConsumer } from '../shared/queue-consumer.ts';
import { objectsCreated } from '../shared/schemas/s3-event.schema.ts';
import { queues } from '../shared/topology.ts';

const deps = {
  files: new DynamoFileRepository(),
  rules: new DynamoRuleRepository(),
  notifications: new DynamoNotificationRepository(),
  queue: new SqsNotificationQueue(),
  store: new S3FileStore(),
  templates: new DynamoTemplateRepository(),
  settings: new DynamoSettingsRepository(),
  contacts: new DynamoSendGuards(),
};

export const handler = queueConsumer(queues.upload, async (record) => {
  for (const { key, eTag, eventTime } of objectsCreated(record.body)) {
    const result = await recordUploadAndFanOut(deps, { key, eventTime, ...(eTag !== undefined ? { eTag } : {}) });
    reportActivity(`upload ${result.fileId} stored: ${result.matched} rule(s) matched, ${result.enqueued} notification(s) queued`, { ...result });
  }
});
