import * as z from 'zod/mini';
import { DynamoInboundMessageRepository } from '../shared/adapters/dynamo-inbound-message-repository-adapter.ts';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoOptOutRepository } from '../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { HttpMediaSource } from '../shared/adapters/http-media-source-adapter.ts';
import { S3MediaStore } from '../shared/adapters/s3-media-store-adapter.ts';
import { DynamoMessageRepository } from '../shared/adapters/dynamo-message-repository-adapter.ts';
import { SqsMessageIngestQueue } from '../shared/adapters/sqs-message-ingest-queue-adapter.ts';
import { DynamoLineRepository } from '../shared/adapters/dynamo-line-repository-adapter.ts';
import { SqsVoiceTaskQueue } from '../shared/adapters/sqs-voice-task-queue-adapter.ts';
import { readConfig } from '../shared/config.ts';
import { DEFAULT_HELP_TEXT, handleInboundMessage } from '../shared/domain/inbound-message.ts';
import { ValidationError } from '../shared/errors.ts';
import { maskPhone, reportActivity } from '../shared/activity.ts';
import { field, twilioWebhook, twiml, type FormParams } from '../shared/twilio-webhook.ts';

/** Twilio attaches at most ten media items to a message. */
const MAX_MEDIA = 10;

const config = readConfig(z.object({ HELP_TEXT: z._default(z.string().check(z.trim(), z.minLength(1), z.maxLength(1600)), DEFAULT_HELP_TEXT) }));
const messageStore = new DynamoMessageRepository();
const lineRepository = new DynamoLineRepository();
const deps = {
  messages: new DynamoInboundMessageRepository(),
  optOuts: new DynamoOptOutRepository(),
  notifications: new DynamoNotificationRepository(),
  mediaSource: new HttpMediaSource(),
  mediaStore: new S3MediaStore(),
  helpText: config.HELP_TEXT,
  store: { messages: messageStore, queue: new SqsMessageIngestQueue(), media: messageStore },
  lines: { claimOf: (number: string) => lineRepository.claimOf(number), tasks: new SqsVoiceTaskQueue() },
};

function mediaOf(params: FormParams): Array<{ url: string; contentType: string }> {
  const count = Math.min(MAX_MEDIA, Number.parseInt(field(params, 'NumMedia') ?? '0', 10) || 0);
  const media: Array<{ url: string; contentType: string }> = [];
  for (let i = 0; i < count; i++) {
    const url = field(params, `MediaUrl${i}`);
    if (url) media.push({ url, contentType: field(params, `MediaContentType${i}`) ?? '' });
  }
  return media;
}

export const handler = twilioWebhook(async ({ params }) => {
  const messageSid = field(params, 'MessageSid');
  const from = field(params, 'From');
  const to = field(params, 'To');
  if (!messageSid || !from || !to) throw new ValidationError('MessageSid, From and To are required.');
  const outcome = await handleInboundMessage(deps, { messageSid, from, to, body: field(params, 'Body') ?? '', media: mediaOf(params) });
  reportActivity(
    `inbound message from ${maskPhone(from)}${outcome.keyword ? `: ${outcome.keyword}` : ''}${outcome.suppressed ? `, ${outcome.suppressed} pending notification(s) suppressed` : ''}`,
    {
      messageSid,
      keyword: outcome.keyword,
      stored: outcome.stored,
      suppressed: outcome.suppressed,
    },
  );
  return twiml(outcome.reply);
});
