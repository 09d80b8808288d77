import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { documentClient } from '../../shared/adapters/dynamo-client.ts';
import { sqsClient } from '../../shared/adapters/sqs-client.ts';
import { twilioSignature } from '../../shared/adapters/twilio-signature.ts';
import { logger } from '../../shared/logger.ts';

const DEADLINE_MS = 300;
const env = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  NOTIFICATIONS_TABLE: 'NotificationLog',
  STATUS_CALLBACK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/status-callback',
  STATUS_CALLBACK_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/status-callback-dlq',
  PUBLIC_BASE_URL: 'https://api.example.com',
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'deferral0test0token',
  STATUS_UPDATE_DEADLINE_MS: String(DEADLINE_MS),
};
const saved: Record<string, string | undefined> = {};

type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let webhook: ApiHandler;
let consumer: SqsHandler;

const dynamo = mockClient(documentClient);
const sqs = mockClient(sqsClient);

beforeAll(async () => {
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  delete process.env.TWILIO_SECRET_ID;
  ({ handler: webhook } = (await import('../../functions/twilio-status.ts')) as unknown as { handler: ApiHandler });
  ({ handler: consumer } = (await import('../../functions/twilio-status-deferred.ts')) as unknown as { handler: SqsHandler });
});

afterAll(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  dynamo.restore();
  sqs.restore();
});

let warn: MockInstance<typeof logger.warn>;

beforeEach(() => {
  dynamo.reset();
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
  warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  vi.restoreAllMocks();
});

const ref = { userId: 'alice', notificationId: '01J00000000000000000000000-01J00000000000000000000001' };
const params = { MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'delivered', AccountSid: env.TWILIO_ACCOUNT_SID };

/** A status callback as Twilio posts it for `ref`, signed over the public URL. */
function signedCallback(form: Record<string, string> = params): APIGatewayProxyEventV2 {
  const query = new URLSearchParams({ u: ref.userId, n: ref.notificationId }).toString();
  return {
    version: '2.0',
    routeKey: 'POST /twilio/status',
    rawPath: '/twilio/status',
    rawQueryString: query,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(env.TWILIO_AUTH_TOKEN, `${env.PUBLIC_BASE_URL}/twilio/status?${query}`, form),
    },
    requestContext: { http: { method: 'POST', path: '/twilio/status' } } as APIGatewayProxyEventV2['requestContext'],
    body: new URLSearchParams(form).toString(),
    isBase64Encoded: false,
  };
}

async function timed<T>(work: Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work;
  return { result, ms: performance.now() - started };
}

const queuedBodies = () => sqs.commandCalls(SendMessageCommand).map((call) => JSON.parse(call.args[0].input.MessageBody!));
const slowly =
  <T>(ms: number, value: T) =>
  () =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('POST /twilio/status when DynamoDB is slow or failing', () => {
  it('applies the callback directly and queues nothing while DynamoDB answers in time', async () => {
    dynamo.on(UpdateCommand).resolves({});
    const { result } = await timed(webhook(signedCallback(), {} as Context));
    expect(result.statusCode).toBe(200);
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.Key).toEqual({ pk: ref.userId, sk: ref.notificationId });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('answers 200 soon after the deadline and keeps the callback on the queue when DynamoDB hangs', async () => {
    dynamo.on(UpdateCommand).callsFake(slowly(5_000, {}));
    const { result, ms } = await timed(webhook(signedCallback(), {} as Context));
    expect(result.statusCode).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    expect(ms).toBeLessThan(DEADLINE_MS + 1_000);
    expect(queuedBodies()).toEqual([{ messageSid: params.MessageSid, messageStatus: 'delivered', ref }]);
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.QueueUrl).toBe(env.STATUS_CALLBACK_QUEUE_URL);
    expect(warn).toHaveBeenCalledWith(
      'Status callback deferred to the status-callback queue',
      expect.objectContaining({ reason: `no answer from the store within ${DEADLINE_MS} ms` }),
    );
  });

  it('answers 200 and keeps the callback, error code included, when DynamoDB throttles', async () => {
    dynamo.on(UpdateCommand).rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }));
    const { result } = await timed(webhook(signedCallback({ ...params, MessageStatus: 'undelivered', ErrorCode: '30003' }), {} as Context));
    expect(result.statusCode).toBe(200);
    expect(queuedBodies()).toEqual([{ messageSid: params.MessageSid, messageStatus: 'undelivered', errorCode: '30003', ref }]);
  });

  it('answers 5xx, never 200 or 429, when the callback can be neither stored nor queued', async () => {
    dynamo.on(UpdateCommand).callsFake(slowly(5_000, {}));
    sqs.on(SendMessageCommand).rejects(new Error('SQS unavailable'));
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const { result } = await timed(webhook(signedCallback(), {} as Context));
    expect(result.statusCode).toBeGreaterThanOrEqual(500);
    expect(JSON.parse(result.body!)).toEqual({ error: { code: 'INTERNAL_ERROR', message: expect.any(String) } });
  });

  it('answers 200 and logs a callback for a SID no notification has', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const event = signedCallback();
    event.rawQueryString = '';
    event.headers['x-twilio-signature'] = twilioSignature(env.TWILIO_AUTH_TOKEN, `${env.PUBLIC_BASE_URL}/twilio/status`, params);
    const result = await webhook(event, {} as Context);
    expect(result.statusCode).toBe(200);
    expect(warn).toHaveBeenCalledWith('Status callback for an unknown message', { messageSid: params.MessageSid, messageStatus: 'delivered' });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe('the status-callback queue consumer', () => {
  const record = (body: unknown, messageId = 'r1') => ({
    messageId,
    receiptHandle: messageId,
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:status-callback',
    awsRegion: 'us-east-1',
  });

  it('applies a kept callback through the same forward-only update', async () => {
    dynamo.on(UpdateCommand).resolves({});
    const out = await consumer({ Records: [record({ messageSid: params.MessageSid, messageStatus: 'undelivered', errorCode: '30003', ref })] }, {} as Context);
    expect(out.batchItemFailures).toEqual([]);
    const update = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.Key).toEqual({ pk: ref.userId, sk: ref.notificationId });
    expect(update.ConditionExpression).toContain('statusRank < :below');
    expect(update.ExpressionAttributeValues).toMatchObject({
      ':status': 'undelivered',
      ':code': '30003',
      ':message': 'The destination handset is unreachable.',
    });
  });

  it('leaves a callback it could not store on the queue for another try', async () => {
    dynamo.on(UpdateCommand).rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }));
    const out = await consumer({ Records: [record({ messageSid: params.MessageSid, messageStatus: 'sent', ref }, 'r2')] }, {} as Context);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'r2' }]);
  });
});
