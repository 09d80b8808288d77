import * as z from 'zod/mini';
import { busEvents, queues } from '../shared/topology.ts';
import { CachedLineLookup } from '../shared/adapters/cached-line-lookup-adapter.ts';
import { DynamoCallRepository } from '../shared/adapters/dynamo-call-repository-adapter.ts';
import { DynamoConversationRepository } from '../shared/adapters/dynamo-conversation-repository-adapter.ts';
import { DynamoLineRepository } from '../shared/adapters/dynamo-line-repository-adapter.ts';
import { DynamoOptOutRepository } from '../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { HttpHandoffNotifier } from '../shared/adapters/http-handoff-notifier-adapter.ts';
import { SqsEventPublisher } from '../shared/adapters/sqs-event-publisher-adapter.ts';
import { SqsVoiceTaskQueue } from '../shared/adapters/sqs-voice-task-queue-adapter.ts';
import { DynamoMessageRepository } from '../shared/adapters/dynamo-message-repository-adapter.ts';
import { DynamoUnclaimedMessages } from '../shared/adapters/dynamo-unclaimed-messages-adapter.ts';
import { S3ObjectCopier } from '../shared/adapters/s3-object-copier-adapter.ts';
import { readConfig } from '../shared/config.ts';
import { runVoiceTask } from '../shared/domain/conversations.ts';
import { queueConsumer } from '../shared/queue-consumer.ts';
import { voiceTaskBody } from '../shared/schemas/voice-task.schema.ts';
import { pipelineSend } from '../shared/voice-sends.ts';

const { HANDOFF_AFTER_SECONDS } = readConfig(z.object({ HANDOFF_AFTER_SECONDS: z._default(z.coerce.number().check(z.gte(0), z.lte(900)), 60) }));
const calls = new DynamoCallRepository();
const messages = new DynamoMessageRepository();
const deps = {
  calls,
  guard: calls,
  lines: new CachedLineLookup(new DynamoLineRepository()),
  conversations: new DynamoConversationRepository(),
  optOuts: new DynamoOptOutRepository(),
  send: pipelineSend(),
  tasks: new SqsVoiceTaskQueue(),
  handoff: new HttpHandoffNotifier(),
  events: new SqsEventPublisher(busEvents.handoff),
  handoffAfterSeconds: HANDOFF_AFTER_SECONDS,
  adoption: { unclaimed: new DynamoUnclaimedMessages(), messages, media: messages, objects: new S3ObjectCopier() },
};

export const handler = queueConsumer(queues.voice, async (record) => runVoiceTask(deps, voiceTaskBody.parse(record.body)));
