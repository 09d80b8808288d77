import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { readConfig } from '../config.ts';
import type { StatusCallback, StatusCallbackQueue } from '../ports.ts';
import { sqsClient } from './sqs-client.ts';
import { queues } from '../topology.ts';
import { statusCallbackBody } from '../schemas/status-callback.schema.ts';

const queueConfig = z.object({ [queues.statusCallback.envVar]: z.string().check(z.minLength(1)) });

/** The status-callback queue: one message per callback the webhook could not apply in time. */
export class SqsStatusCallbackQueue implements StatusCallbackQueue {
  constructor(
    private readonly queueUrl: string = readConfig(queueConfig).STATUS_CALLBACK_QUEUE_URL,
    private readonly client: SQSClient = sqsClient,
  ) {}

  async enqueue(callback: StatusCallback): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: statusCallbackBody.build(callback) }));
  }
}
