import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { lambdaContext } from '../../lib/local/lambda-context.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { queues } from '../../shared/topology.ts';
import { DynamoNotificationRepository } from '../../shared/adapters/dynamo-notification-repository-adapter.ts';
import type { Channel } from '../../shared/schemas/rule.schema.ts';
import type { NotificationRecord } from '../../shared/ports.ts';
import { pendingNotificationRecord } from '../support/fixtures.ts';

type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

let runtime: LocalRuntime;
let dynamo: DynamoDBClient;
let notifications: DynamoNotificationRepository;
let handler: SqsHandler;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', callbackDelaysMs: { sent: 5, delivered: 10 } });
  dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint });
  notifications = new DynamoNotificationRepository(
    runtime.resources.tableNames.notifications,
    DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
  );
  ({ handler } = (await import('../../functions/twilio-sender.ts')) as unknown as { handler: SqsHandler });
});

afterEach(async () => {
  runtime.simulator.clearFaults();
  await runtime.simulator.idle();
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

let nextNumber = 1000;
/** A fresh, valid destination, so each test counts only its own messages. */
const freshTarget = () => `+1415555${String(nextNumber++)}`;

async function pendingNotification(overrides: { target?: string; channel?: Channel } = {}): Promise<NotificationRecord> {
  return notifications.createIfAbsent(
    pendingNotificationRecord({
      channel: overrides.channel ?? 'sms',
      target: overrides.target ?? freshTarget(),
      file: { fileName: 'invoice.pdf', sizeBytes: 2048 },
    }),
  );
}

function record(body: string, receiveCount = 1): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: runtime.resources.queueArns.notification,
    awsRegion: LOCAL_REGION,
  };
}

const refRecord = (n: NotificationRecord, receiveCount = 1) => record(JSON.stringify({ userId: n.userId, notificationId: n.notificationId }), receiveCount);

const invoke = (...records: SQSRecord[]) => handler({ Records: records }, lambdaContext('twilio-sender', 30));
const messagesTo = (to: string) => runtime.simulator.messages().filter((m) => m.to === to || m.to === `whatsapp:${to}`);
const current = async (n: NotificationRecord) => (await notifications.get(n.userId, n.notificationId))!;

describe('twilio-sender', () => {
  it('sends a pending notification once and records Twilio’s SID', async () => {
    const n = await pendingNotification();
    const r = refRecord(n);

    expect(await invoke(r)).toEqual({ batchItemFailures: [] });

    const [sent] = messagesTo(n.target);
    expect(messagesTo(n.target)).toHaveLength(1);
    expect(sent?.body).toContain('invoice.pdf');
    expect(sent?.statusCallback).toBe(`${runtime.publicBaseUrl}/twilio/status?${new URLSearchParams({ u: n.userId, n: n.notificationId })}`);
    const stored = await current(n);
    expect(stored).toMatchObject({ messageSid: sent?.sid, attempts: 1 });
    expect(['queued', 'sent', 'delivered']).toContain(stored.status);
    expect(stored).not.toHaveProperty('claimExpiresAt');
  });

  it('sends nothing more when the same record is delivered again', async () => {
    const n = await pendingNotification();
    await invoke(refRecord(n));
    expect(await invoke(refRecord(n, 2))).toEqual({ batchItemFailures: [] });
    expect(messagesTo(n.target)).toHaveLength(1);
    expect((await current(n)).attempts).toBe(1);
  });

  it('sends one message when the same record is delivered to two invocations at once', async () => {
    const n = await pendingNotification();
    const [a, b] = [refRecord(n), refRecord(n)];
    const [first, second] = await Promise.all([invoke(a), invoke(b)]);

    expect(messagesTo(n.target)).toHaveLength(1);
    // Each invocation answers for its own batch only; the loser may ask for its record back.
    expect(first.batchItemFailures.map((f) => f.itemIdentifier).filter((id) => id !== a.messageId)).toEqual([]);
    expect(second.batchItemFailures.map((f) => f.itemIdentifier).filter((id) => id !== b.messageId)).toEqual([]);
    expect((await current(n)).attempts).toBe(1);
  });

  it('hands a throttled send back to the queue with the claim released, and sends it on the next receive', async () => {
    const n = await pendingNotification();
    runtime.simulator.setFaults({ errorRate429: 1 });
    const r = refRecord(n);

    expect(await invoke(r)).toEqual({ batchItemFailures: [{ itemIdentifier: r.messageId }] });
    const released = await current(n);
    expect(released).toMatchObject({ status: 'pending', attempts: 1, errorCode: '20429' });
    expect(released).not.toHaveProperty('claimExpiresAt');
    expect(messagesTo(n.target)).toHaveLength(0);

    runtime.simulator.clearFaults();
    expect(await invoke(refRecord(n, 2))).toEqual({ batchItemFailures: [] });
    expect(messagesTo(n.target)).toHaveLength(1);
    expect((await current(n)).attempts).toBe(2);
  });

  it('on the last receive of a retryable error, marks the notification failed and hands the record to the DLQ with its outcome', async () => {
    const n = await pendingNotification();
    runtime.simulator.setFaults({ errorRate5xx: 1 });
    const r = refRecord(n, queues.notification.maxReceiveCount);

    const response = await invoke(r);

    // Given up and delivered to the DLQ by the consumer itself, so the queue must not redrive it again.
    expect(response.batchItemFailures).toEqual([]);
    expect(await current(n)).toMatchObject({ status: 'failed', errorCode: '20500' });
    const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.sqsEndpoint });
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: runtime.resources.dlqUrls.notification, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const dead = (Messages ?? []).map((m) => JSON.parse(m.Body!)).find((m) => m.payload?.notificationId === n.notificationId);
    expect(dead).toMatchObject({ payload: { userId: n.userId, notificationId: n.notificationId }, status: 'failed', errorCode: '20500', retryCount: 1 });
    expect(Date.parse(dead.failedAt)).not.toBeNaN();
    expect(dead.error).toMatch(/\S/);
    sqs.destroy();
  });

  it('fails a send Twilio refuses for good at once, without a retry', async () => {
    const n = await pendingNotification({ target: '+15005550001' });
    expect(await invoke(refRecord(n))).toEqual({ batchItemFailures: [] });
    expect(await current(n)).toMatchObject({ status: 'failed', errorCode: '21211', attempts: 1 });
  });

  it('does not send again after Twilio accepted a message but answered 500, once its callbacks have arrived', async () => {
    const n = await pendingNotification();
    runtime.simulator.setFaults({ acceptThenFailRate: 1 });
    const r = refRecord(n);

    expect(await invoke(r)).toEqual({ batchItemFailures: [{ itemIdentifier: r.messageId }] });
    runtime.simulator.clearFaults();
    await runtime.simulator.idle();

    expect(await invoke(refRecord(n, 2))).toEqual({ batchItemFailures: [] });
    expect(messagesTo(n.target)).toHaveLength(1);
    expect((await current(n)).status).toBe('delivered');
  });

  it('sends WhatsApp notifications through the whatsapp: channel', async () => {
    const n = await pendingNotification({ channel: 'whatsapp' });
    await invoke(refRecord(n));
    expect(messagesTo(n.target)[0]).toMatchObject({ to: `whatsapp:${n.target}`, from: `whatsapp:${runtime.twilio.fromNumber}` });
  });

  it('sends a malformed record to the DLQ on its first receive, with the cause, and holds up none of its batch', async () => {
    const n = await pendingNotification();
    const marker = randomUUID();
    const wrongShape = record(JSON.stringify({ userId: 1, marker }));
    const notJson = record(`{"marker": "${marker}", `);
    const good = refRecord(n);

    expect(await invoke(wrongShape, notJson, good)).toEqual({ batchItemFailures: [] });
    expect(messagesTo(n.target)).toHaveLength(1);
    const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.sqsEndpoint });
    const letters: Array<{ payload: unknown; status: string; error: string; cause?: string; retryCount: number }> = [];
    for (let i = 0; i < 5 && letters.length < 2; i++) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: runtime.resources.dlqUrls.notification, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      letters.push(...(Messages ?? []).map((m) => JSON.parse(m.Body!)).filter((m) => JSON.stringify(m.payload).includes(marker)));
    }
    sqs.destroy();
    expect(letters).toHaveLength(2);
    for (const letter of letters) expect(letter).toMatchObject({ status: 'malformed_record', retryCount: 1, cause: expect.stringMatching(/Error/) });
    expect(letters.map((l) => l.cause).join(' ')).toMatch(/SyntaxError/);
  });

  it('skips a record for a notification that does not exist', async () => {
    const r = record(JSON.stringify({ userId: 'nobody', notificationId: 'nothing' }));
    expect(await invoke(r)).toEqual({ batchItemFailures: [] });
  });
});
