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
import { GiveUpError } from '../shared/errors.ts';
import { queueConsumer } from '../shared/queue-consumer.ts';
import { s3EventSchema } from '../shared/schemas/s3-event.schema.ts';
import { queues } from '../lib/topology.ts';

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
function parseEvent(body: string) {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new GiveUpError('The record body is not JSON, so not an S3 event.', { status: 'malformed_event', attempts: 1 }, { cause: err });
  }
  const parsed = s3EventSchema.safeParse(json);
  if (!parsed.success)
    throw new GiveUpError('The record body is not an S3 event notification.', { status: 'malformed_event', attempts: 1 }, { cause: parsed.error });
  return parsed.data;
}
