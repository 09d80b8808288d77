import { queues } from '../shared/topology.ts';
import { DynamoMessageRepository } from '../shared/adapters/dynamo-message-repository-adapter.ts';
import { processMessage } from '../shared/domain/messages.ts';
import { queueConsumer } from '../shared/queue-consumer.ts';
import { ingestRecordBody } from '../shared/schemas/ingest-record.schema.ts';

const messages = new DynamoMessageRepository();

export const handler = queueConsumer(queues.ingest, async (record) => processMessage({ messages, stats: messages }, ingestRecordBody.parse(record.body)));
