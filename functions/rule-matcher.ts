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
import { parseRecordBody } from '../shared/schemas/queue-body.ts';
import { queueConsumer } from '../shared/queue-consumer.ts';
import { s3EventSchema } from '../shared/schemas/s3-event.schema.ts';
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
  const event = parseEvent(record.body);
  if ('Event' in event) return; // s3:TestEvent, sent once when the notification is configured
  for (const r of event.Records) {
    if (!r.eventName.startsWith('ObjectCreated:')) continue;
    const { key, eTag } = r.s3.object;
    const result = await recordUploadAndFanOut(deps, { key, eventTime: r.eventTime, ...(eTag !== undefined ? { eTag } : {}) });
    reportActivity(`upload ${result.fileId} stored: ${result.matched} rule(s) matched, ${result.enqueued} notification(s) queued`, { ...result });
  }
});

/** An S3 event, or a GiveUpError: a body that is not one will not become one on a retry. */
const parseEvent = (body: string) => parseRecordBody(body, s3EventSchema, 'an S3 event notification', 'malformed_event');
