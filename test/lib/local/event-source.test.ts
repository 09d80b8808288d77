import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LOCAL_REGION } from '../../../lib/local/engines.ts';
import { SqsEventSource, type SqsHandler } from '../../../lib/local/event-source.ts';
import { withTimeout } from '../../../lib/local/timeout.ts';
import { lambdaContext } from '../../../lib/local/lambda-context.ts';
import { logger } from '../../../shared/logger.ts';
import { queues } from '../../../shared/topology.ts';
import { queueConsumer } from '../../../shared/queue-consumer.ts';
import { eventually } from '../../../lib/local/api-client.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;
const sources: SqsEventSource[] = [];

beforeAll(async () => {
  // The failures below are the point of the tests; their warnings would only be noise.
  logger.setLogLevel('SILENT');
  env = await startTestEngines();
});

afterAll(async () => {
  await Promise.all(sources.map((s) => s.stop()));
  await env?.stop();
});

interface TestQueue {
  url: string;
  arn: string;
  dlqUrl: string;
}

/** A queue that hands a message back after one second, and to its DLQ after two receives. */
async function createQueue(): Promise<TestQueue> {
  const name = `event-source-${randomUUID().slice(0, 8)}`;
  const arnOf = async (url: string) =>
    (await env.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const dlq = await env.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const queue = await env.sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlq.QueueUrl!), maxReceiveCount: 2 }),
      },
    }),
  );
  return { url: queue.QueueUrl!, arn: await arnOf(queue.QueueUrl!), dlqUrl: dlq.QueueUrl! };
}

async function sendBodies(queue: TestQueue, bodies: string[]): Promise<void> {
  await env.sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody })) }));
}

function start(queue: TestQueue, handler: SqsHandler, overrides: { timeoutSeconds?: number } = {}): SqsEventSource {
  const source = new SqsEventSource({
    sqs: env.sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    functionName: 'test-consumer',
    handler,
    batchSize: 10,
    concurrency: 1,
    timeoutSeconds: overrides.timeoutSeconds ?? 5,
    region: LOCAL_REGION,
    waitSeconds: 1,
  });
  sources.push(source);
  source.start();
  return source;
}

async function counts(url: string) {
  const { Attributes } = await env.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible) };
}

async function drain(url: string): Promise<string[]> {
  const out = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  return (out.Messages ?? []).map((m) => m.Body ?? '');
}

/** Every invocation's records, in order. */
// biome-ignore lint/suspicious/noConfusingVoidType: test handlers may return nothing, like a Lambda handler.
function recording(respond: (event: SQSEvent, invocation: number) => SQSBatchResponse | void | Promise<SQSBatchResponse | void>) {
  const invocations: SQSRecord[][] = [];
  const handler: SqsHandler = async (event) => {
    invocations.push(event.Records);
    return respond(event, invocations.length);
  };
  return { handler, invocations, bodies: () => invocations.flat().map((r) => r.body) };
}

// Each test has its own queues and source, so they run side by side: the waits are visibility timeouts.
describe.concurrent('SqsEventSource', () => {
  it('hands the handler Lambda-shaped SQS records from the queue', async ({ expect }) => {
    const queue = await createQueue();
    const { handler, invocations } = recording(() => undefined);
    await sendBodies(queue, ['{"n":1}']);
    start(queue, handler);

    const [record] = await eventually(async () => invocations[0], 5_000, 'the first invocation');
    expect(record).toMatchObject({
      body: '{"n":1}',
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: LOCAL_REGION,
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d+$/) },
    });
  });

  it('deletes the records that succeeded and leaves a reported failure to come back, then to the DLQ', async ({ expect }) => {
    const queue = await createQueue();
    const { handler, invocations, bodies } = recording((event) => ({
      batchItemFailures: event.Records.filter((r) => r.body === 'fails').map((r) => ({ itemIdentifier: r.messageId })),
    }));
    await sendBodies(queue, ['ok-1', 'fails', 'ok-2']);
    start(queue, handler);

    const inDlq = await eventually(
      async () => {
        const moved = await drain(queue.dlqUrl);
        return moved.length > 0 ? moved : undefined;
      },
      10_000,
      'the failing message to reach the DLQ',
    );

    expect(inDlq).toEqual(['fails']);
    expect(invocations[0]?.map((r) => r.body).sort()).toEqual(['fails', 'ok-1', 'ok-2']);
    expect(bodies().filter((b) => b === 'ok-1')).toHaveLength(1);
    expect(bodies().filter((b) => b === 'ok-2')).toHaveLength(1);
    const failing = invocations.flat().filter((r) => r.body === 'fails');
    expect(failing.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(await counts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('deletes nothing when the handler throws: the whole batch comes back', async ({ expect }) => {
    const queue = await createQueue();
    const { handler, invocations } = recording((_event, invocation) => {
      if (invocation === 1) throw new Error('the function crashed');
    });
    await sendBodies(queue, ['a', 'b']);
    start(queue, handler);

    await eventually(async () => (invocations.length >= 2 ? true : undefined), 10_000, 'the batch to come back');
    const again = invocations[1]!;
    expect(again.map((r) => r.body).sort()).toEqual(['a', 'b']);
    expect(again.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2', '2']);
    await eventually(
      async () => {
        const c = await counts(queue.url);
        return c.visible === 0 && c.inFlight === 0 ? true : undefined;
      },
      5_000,
      'the second invocation’s records to be deleted',
    );
    expect(await drain(queue.dlqUrl)).toEqual([]);
  });

  it('deletes nothing when the invocation outlives its timeout', async ({ expect }) => {
    const queue = await createQueue();
    const { handler, invocations } = recording(async (_event, invocation) => {
      if (invocation === 1) await new Promise((r) => setTimeout(r, 600));
    });
    await sendBodies(queue, ['slow']);
    start(queue, handler, { timeoutSeconds: 0.2 });

    await eventually(async () => (invocations.length >= 2 ? true : undefined), 10_000, 'the timed-out batch to come back');
    expect(invocations[1]?.map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([['slow', '2']]);
  });

  it('with queueConsumer, sends an unparseable message to the DLQ without holding up the valid ones', async ({ expect }) => {
    const queue = await createQueue();
    const refSchema = z.object({ userId: z.string().min(1), notificationId: z.string().min(1) });
    const handled: Array<{ ref: z.infer<typeof refSchema>; receiveCount: string }> = [];
    const attempts: SQSRecord[] = [];
    const consumer = consumerOf(queue, async (record) => {
      attempts.push(record);
      handled.push({ ref: refSchema.parse(JSON.parse(record.body)), receiveCount: record.attributes.ApproximateReceiveCount });
    });
    const valid = Array.from({ length: 4 }, (_, i) => JSON.stringify({ userId: 'alice', notificationId: `n-${i}` }));
    await sendBodies(queue, [valid[0]!, valid[1]!, 'not json {', valid[2]!, valid[3]!]);
    start(queue, consumer);

    const inDlq = await eventually(
      async () => {
        const moved = await drain(queue.dlqUrl);
        return moved.length > 0 ? moved : undefined;
      },
      10_000,
      'the unparseable message to reach the DLQ',
    );

    expect(inDlq).toEqual(['not json {']);
    // Each valid message was handled once, on its first receive: the bad one held none of them back.
    expect(handled.map((h) => [h.ref.notificationId, h.receiveCount]).sort()).toEqual([
      ['n-0', '1'],
      ['n-1', '1'],
      ['n-2', '1'],
      ['n-3', '1'],
    ]);
    expect(attempts.filter((r) => r.body === 'not json {').map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(await counts(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('stops polling when stopped', async ({ expect }) => {
    const queue = await createQueue();
    const { handler, invocations } = recording(() => undefined);
    const source = start(queue, handler);
    await source.stop();
    await sendBodies(queue, ['after stop']);
    await new Promise((r) => setTimeout(r, 300));
    expect(invocations).toEqual([]);
    expect(await drain(queue.url)).toEqual(['after stop']);
  });
});

/** A promise settled from outside. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** queueConsumer for a test queue: it reads its queue and DLQ URLs from the environment at creation. */
function consumerOf(urls: { url: string; dlqUrl: string }, handler: (record: SQSRecord) => Promise<unknown>) {
  process.env.TEST_QUEUE_URL = urls.url;
  process.env.TEST_DLQ_URL = urls.dlqUrl;
  return queueConsumer({ ...queues.notification, envVar: 'TEST_QUEUE_URL', dlqEnvVar: 'TEST_DLQ_URL' }, handler, env.sqs);
}

const plainRecord = (body: string, messageId: string): SQSRecord => ({
  messageId,
  receiptHandle: messageId,
  body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
  awsRegion: LOCAL_REGION,
});

describe('queueConsumer under the event source’s concurrent invocations', () => {
  it('reports each invocation’s failed records in that invocation’s response, whatever runs beside it', async () => {
    // The event source runs up to `maxConcurrency` invocations of one handler at once in this
    // process, as Lambda runs them in separate environments. A failure missing from its own
    // invocation's response gets its message deleted, and it is never retried.
    const gates = new Map([
      ['a1', gate()],
      ['a2', gate()],
      ['b1', gate()],
    ]);
    const consumer = consumerOf({ url: 'unused', dlqUrl: 'unused' }, async (record) => {
      await gates.get(record.body)?.opened;
      if (record.body === 'a1') throw new Error('a1 failed');
    });
    const context = lambdaContext('test-consumer', 5);
    const tick = () => new Promise((r) => setImmediate(r));

    const a = consumer({ Records: [plainRecord('a1', 'id-a1'), plainRecord('a2', 'id-a2')] }, context);
    const b = consumer({ Records: [plainRecord('b1', 'id-b1')] }, context);
    gates.get('a1')!.open();
    await tick();
    const c = await consumer({ Records: [plainRecord('c1', 'id-c1')] }, context);
    gates.get('a2')!.open();
    gates.get('b1')!.open();

    expect(await a).toEqual({ batchItemFailures: [{ itemIdentifier: 'id-a1' }] });
    expect(await b).toEqual({ batchItemFailures: [] });
    expect(c).toEqual({ batchItemFailures: [] });
  });
});

describe('withTimeout', () => {
  it('passes a result through when it arrives in time', async () => {
    await expect(withTimeout(Promise.resolve(42), 100)).resolves.toBe(42);
  });

  it('rejects as Lambda reports a timeout when the promise outlives it', async () => {
    await expect(withTimeout(new Promise(() => undefined), 50)).rejects.toThrow('Task timed out after 0.05 seconds');
  });
});
