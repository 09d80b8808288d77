import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { messageConfigParts, readConfig } from '../config.ts';
import type { MessageIngestQueue, MessageRecord } from '../ports.ts';
import { sqsClient } from './sqs-client.ts';

/** The ingest queue: each accepted message, whole, on its way to `processed`. */
export class SqsMessageIngestQueue implements MessageIngestQueue {
  constructor(
    private readonly queueUrl: string = readConfig(messageConfigParts.ingestQueue).INGEST_QUEUE_URL,
    private readonly client: SQSClient = sqsClient,
  ) {}

  async enqueue(message: MessageRecord): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: asciiJson(message) }));
  }
}

/**
 * JSON with every character outside ASCII escaped: SQS refuses some characters a message may
 * hold (fauxqs refuses everything past U+FFFD, emoji included), and JSON.parse restores them all.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
