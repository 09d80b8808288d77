import { ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../lib/local/api-client.ts';
import { queues, type QueueKey } from '../../shared/topology.ts';
import { DeferError, GiveUpError, RetryLaterError } from '../../shared/errors.ts';
import { setMetricSink, type MetricSink } from '../../shared/metrics.ts';
import { backoffSeconds, queueConsumer } from '../../shared/queue-consumer.ts';
import { deadLetterBody } from '../../shared/schemas/queue-body.ts';
import { voiceTaskBody } from '../../shared/schemas/voice-task.schema.ts';
import { startTestEngines, type TestEngines } from '../support/engines.ts';

let env: TestEngines;
const recorded: Parameters<MetricSink>[] = [];

beforeAll(async () => {
  env = await startTestEngines();
  for (const key of Object.keys(queues) as QueueKey[]) {
    process.env[queues[key].envVar] = env.resources.queueUrls[key];
    process.env[queues[key].dlqEnvVar] = env.resources.dlqUrls[key];
  }
  setMetricSink((...args) => recorded.push(args));
});
afterAll(async () => {
  await env?.stop();
});
afterEach(() => {
  recorded.length = 0;
});

const context = { functionName: 'queue-consumer-test', awsRequestId: 'req' } as Context;

/** Puts a body on the queue and takes it off again as Lambda would hand it over (still visible to the next receive). */
async function delivered(key: QueueKey, body: string, receiveCount = 1): Promise<SQSRecord> {
  await env.sqs.send(new SendMessageCommand({ QueueUrl: env.resources.queueUrls[key], MessageBody: body }));
  const { Messages } = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: env.resources.queueUrls[key], MaxNumberOfMessages: 1, VisibilityTimeout: 0 }));
  const message = Messages![0]!;
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody!,
    eventSource: 'aws:sqs',
    eventSourceARN: env.resources.queueArns[key],
    awsRegion: 'us-east-1',
  };
}

async function receiveAll(url: string): Promise<Message[]> {
  const { Messages } = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
  return Messages ?? [];
}

async function drain(key: QueueKey) {
  for (const url of [env.resources.queueUrls[key], env.resources.dlqUrls[key]]) {
    await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }));
  }
}

describe('queueConsumer', () => {
  it('reports no failure for a handled record, and times it by queue', async () => {
    await drain('statusCallback');
    const handler = queueConsumer(queues.statusCallback, async () => 'done', env.sqs);
    const record = await delivered('statusCallback', '{"messageSid":"SM1"}');
    expect(await handler({ Records: [record] }, context)).toEqual({ batchItemFailures: [] });
    expect(recorded).toContainEqual(['ProcessingTime', expect.any(Number), 'Milliseconds', ['queue', 'status-callback']]);
  });

  it('defers by a fresh, delayed copy carrying the new body on the queue the record came from, without failing it', async () => {
    await drain('priority');
    await drain('notification');
    const handler = queueConsumer(
      [queues.notification, queues.priority],
      async () => {
        throw new DeferError('Waiting for a send slot.', 1, '{"notificationId":"n-1","notBefore":5}');
      },
      env.sqs,
    );
    const record = await delivered('priority', '{"notificationId":"n-1"}');
    expect(await handler({ Records: [record] }, context)).toEqual({ batchItemFailures: [] });
    // The copy comes up once its delay is over, on the priority queue only.
    const copy = await eventually(async () =>
      (await receiveAll(env.resources.queueUrls.priority)).find((m) => m.Body === '{"notificationId":"n-1","notBefore":5}'),
    );
    expect(copy).toBeDefined();
    expect(await receiveAll(env.resources.queueUrls.notification)).toEqual([]);
    expect(recorded.filter(([name]) => name === 'Deferrals')).toEqual([['Deferrals', 1, 'Count', ['queue', 'notification-priority']]]);
  });

  it('retries later by hiding the record for the backoff, and reports it failed so the queue keeps it', async () => {
    await drain('upload');
    const handler = queueConsumer(
      queues.upload,
      async () => {
        throw new RetryLaterError('Twilio is busy.', '20429');
      },
      env.sqs,
    );
    const record = await delivered('upload', '{"fileId":"f-1"}', 2);
    expect(await handler({ Records: [record] }, context)).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    // Visible before (received with a zero visibility timeout), hidden now for at least a second.
    expect(await receiveAll(env.resources.queueUrls.upload)).toEqual([]);
  });

  it('gives up by sending the dead-letter envelope itself and deleting nothing it still needs', async () => {
    await drain('ingest');
    const handler = queueConsumer(
      queues.ingest,
      async () => {
        throw new GiveUpError('The number is not a mobile number.', { status: 'failed', errorCode: '21614', attempts: 5 });
      },
      env.sqs,
    );
    const record = await delivered('ingest', '{"messageId":"m-1"}', 5);
    expect(await handler({ Records: [record] }, context)).toEqual({ batchItemFailures: [] });
    const [letter] = await receiveAll(env.resources.dlqUrls.ingest);
    expect(JSON.parse(letter!.Body!)).toEqual({
      payload: { messageId: 'm-1' },
      status: 'failed',
      error: 'The number is not a mobile number.',
      errorCode: '21614',
      retryCount: 5,
      failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('gives a body its contract refuses to the dead-letter queue on its first receive, with the parser’s reason', async () => {
    await drain('voice');
    const handler = queueConsumer(queues.voice, async (record) => voiceTaskBody.parse(record.body), env.sqs);
    const record = await delivered('voice', '{"kind":"handoff","conversationId":"c-1"}');
    expect(await handler({ Records: [record] }, context)).toEqual({ batchItemFailures: [] });
    const [letter] = await receiveAll(env.resources.dlqUrls.voice);
    const body = deadLetterBody.parse(letter!.Body!);
    expect(body).toMatchObject({ payload: { kind: 'handoff', conversationId: 'c-1' }, status: 'malformed_record', retryCount: 1 });
    expect(body.error).toBe('The record body is not a voice task.');
    expect(body.cause).toMatch(/since|timerId/);
  });

  it("leaves any other error to the queue's own visibility timeout and redrive, one record at a time", async () => {
    await drain('upload');
    const handler = queueConsumer(
      queues.upload,
      async (record) => {
        if (record.body.includes('bad')) throw new Error('boom');
      },
      env.sqs,
    );
    const good = await delivered('upload', '{"fileId":"good"}');
    const bad = await delivered('upload', '{"fileId":"bad"}');
    expect(await handler({ Records: [good, bad] }, context)).toEqual({ batchItemFailures: [{ itemIdentifier: bad.messageId }] });
  });
});

describe('backoffSeconds', () => {
  it('doubles with each receive, between half and all of the step ("equal jitter")', () => {
    expect(backoffSeconds(1, 10, 900, () => 0)).toBe(5);
    expect(backoffSeconds(1, 10, 900, () => 1)).toBe(10);
    expect(backoffSeconds(2, 10, 900, () => 0)).toBe(10);
    expect(backoffSeconds(3, 10, 900, () => 1)).toBe(40);
  });

  it('stops at the maximum, and never goes below a second', () => {
    expect(backoffSeconds(20, 10, 900, () => 1)).toBe(900);
    expect(backoffSeconds(20, 10, 900, () => 0)).toBe(450);
    expect(backoffSeconds(1, 1, 900, () => 0)).toBe(1);
    expect(backoffSeconds(0, 10, 900, () => 1)).toBe(10);
  });
});
