import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import type { BusEventSpec } from '../topology.ts';
import { readConfig } from '../config.ts';
import type { EventPublisher } from '../ports.ts';
import { sqsClient } from './sqs-client.ts';
import { asciiJson } from '../schemas/queue-body.ts';

/**
 * Publishes one kind of event by sending it to its queue, which an EventBridge Pipe forwards to
 * the event bus as the event's `detail` (with the kind's source and detail-type). The function
 * needs no EventBridge client, only the SQS one it already has.
 */
export class SqsEventPublisher implements EventPublisher {
  private readonly queueUrl: string;

  constructor(
    spec: Pick<BusEventSpec, 'envVar'>,
    private readonly client: SQSClient = sqsClient,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.queueUrl = readConfig(z.object({ [spec.envVar]: z.string().check(z.minLength(1)) }), env)[spec.envVar] as string;
  }

  async publish(event: Record<string, unknown>): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: asciiJson(event) }));
  }
}
