import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { readConfig } from '../config.ts';
import type { VoiceTask, VoiceTaskQueue } from '../ports.ts';
import { sqsClient } from './sqs-client.ts';
import { queues } from '../topology.ts';
import { voiceTaskBody } from '../schemas/voice-task.schema.ts';

/** SQS delays a message by at most 15 minutes. */
const MAX_DELAY_SECONDS = 900;

/** The voice queue: missed calls to answer, inbound texts to file, and hand-off timers (delayed messages, no sleeping). */
export class SqsVoiceTaskQueue implements VoiceTaskQueue {
  constructor(
    private readonly queueUrl: string = readConfig(z.object({ [queues.voice.envVar]: z.string().check(z.minLength(1)) })).VOICE_QUEUE_URL,
    private readonly client: SQSClient = sqsClient,
  ) {}

  async enqueue(task: VoiceTask, delaySeconds = 0): Promise<void> {
    const delay = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds)));
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: voiceTaskBody.build(task), ...(delay > 0 ? { DelaySeconds: delay } : {}) }),
    );
  }
}
