import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { messageConfigParts, readConfig } from '../config.ts';
import type { MessageIngestQueue, ReceivedMessage } from '../ports.ts';
import { sqsClient } from './sqs-client.ts';
import { ingestRecordBody } from '../schemas/ingest-record.schema.ts';

/** The ingest queue: each accepted message, whole, on its way to `processed`. */
export class SqsMessageIngestQueue implements MessageIngestQueue {
  constructor(
    private readonly queueUrl: string = readConfig(messageConfigParts.ingestQueue).INGEST_QUEUE_URL,
    private readonly client: SQSClient = sqsClient,
  ) {}

  async enqueue(message: ReceivedMessage): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: ingestRecordBody.build(message) }));
  }
}
