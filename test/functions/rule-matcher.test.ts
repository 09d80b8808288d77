import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { lambdaContext } from '../../lib/local/lambda-context.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { encodeEventKey } from '../../lib/local/s3-events.ts';
import { DynamoFileRepository } from '../../shared/adapters/dynamo-file-repository-adapter.ts';
import { objectKeyFor } from '../../shared/domain/files.ts';
import { newId } from '../../shared/domain/ids.ts';

type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

let runtime: LocalRuntime;
let api: ApiClient;
let dynamo: DynamoDBClient;
let files: DynamoFileRepository;
let handler: SqsHandler;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', callbackDelaysMs: { sent: 5, delivered: 10 } });
  api = new ApiClient(runtime.url);
  dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint });
  files = new DynamoFileRepository(runtime.resources.tableNames.files, DynamoDBDocumentClient.from(dynamo));
  ({ handler } = (await import('../../functions/rule-matcher.ts')) as unknown as { handler: SqsHandler });
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

async function signIn(userId = `user-${randomUUID()}`) {
  return Object.assign(api.as(await runtime.token(userId)), { userId });
}

/** An upload event as S3 puts it on the queue: key URL-encoded, '+' for spaces. */
function s3Record(key: string, eventName = 'ObjectCreated:Post'): SQSRecord {
  const body = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: LOCAL_REGION,
        eventTime: new Date().toISOString(),
        eventName,
        s3: { s3SchemaVersion: '1.0', bucket: { name: runtime.resources.bucket }, object: { key: encodeEventKey(key), size: 1 } },
      },
    ],
  };
  return sqsRecord(JSON.stringify(body));
}

function sqsRecord(body: string): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'local', ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: runtime.resources.queueArns.upload,
    awsRegion: LOCAL_REGION,
  };
}

const invoke = (...records: SQSRecord[]) => handler({ Records: records }, lambdaContext('rule-matcher', 30));

let nextNumber = 2000;
const freshTarget = () => `+1415555${String(nextNumber++)}`;

describe('rule-matcher', () => {
  it('gives one notification and one message per matching rule, however often and concurrently the upload event arrives', async () => {
    const user = await signIn();
    const target = freshTarget();
    const otherTarget = freshTarget();
    expect((await user.request('POST', '/rules', { eventType: 'file_upload', fileType: 'pdf', notifyVia: 'sms', target })).status).toBe(201);
    expect((await user.request('POST', '/rules', { eventType: 'file_upload', fileType: 'png', notifyVia: 'sms', target: otherTarget })).status).toBe(201);

    const { fileId } = await user.upload({ fileName: 'invoice.pdf', contentType: 'application/pdf', content: 'x'.repeat(3000) });
    const key = objectKeyFor(user.userId, fileId);
    const responses = await Promise.all([invoke(s3Record(key)), invoke(s3Record(key)), invoke(s3Record(key))]);
    for (const response of responses) expect(response).toEqual({ batchItemFailures: [] });

    const [notification] = await eventually(
      async () => {
        const { body } = await user.request('GET', `/notifications?fileId=${fileId}`);
        return body.items.length > 0 && body.items.every((n: { status: string }) => n.status === 'delivered') ? body.items : undefined;
      },
      10_000,
      'the notification to be delivered',
    );
    await runtime.simulator.idle();

    expect((await user.request('GET', `/notifications?fileId=${fileId}`)).body.items).toHaveLength(1);
    expect(notification).toMatchObject({ channel: 'sms', target, attempts: 1 });
    expect(runtime.simulator.messages().filter((m) => m.to === target)).toHaveLength(1);
    expect(runtime.simulator.messages().filter((m) => m.to === otherTarget)).toHaveLength(0);
    expect((await user.request('GET', `/files/${fileId}`)).body).toMatchObject({ fileId, fileName: 'invoice.pdf', sizeBytes: 3000 });
  });

  it('records the file of a user whose id needs encoding in the object key and the event', async () => {
    const user = await signIn(`bob+${randomUUID().slice(0, 8)}@example.com`);
    const { fileId } = await user.upload({ fileName: 'my notes 2026.txt', contentType: 'text/plain', content: 'hello' });

    const file = await eventually(
      async () => {
        const response = await user.request('GET', `/files/${fileId}`);
        return response.status === 200 ? response.body : undefined;
      },
      10_000,
      'the file to be recorded',
    );
    expect(file).toMatchObject({ fileId, fileName: 'my notes 2026.txt', fileType: 'txt', sizeBytes: 5 });
    expect(await invoke(s3Record(objectKeyFor(user.userId, fileId)))).toEqual({ batchItemFailures: [] });
  });

  it('acknowledges S3’s test event', async () => {
    expect(await invoke(sqsRecord(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: runtime.resources.bucket })))).toEqual({
      batchItemFailures: [],
    });
  });

  it('ignores events other than object creation', async () => {
    expect(await invoke(s3Record(objectKeyFor('someone', newId()), 'ObjectRemoved:Delete'))).toEqual({ batchItemFailures: [] });
  });

  it('sends the records it cannot account for to the DLQ at once, saying why, and holds up none of the batch', async () => {
    const notOurs = s3Record('elsewhere/file.txt');
    const neverRequested = s3Record(objectKeyFor('someone', newId()));
    const unparseable = sqsRecord('{"Records": [');
    const wrongShape = sqsRecord(JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put' }] }));
    const fine = sqsRecord(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }));

    // Retrying would not help any of them, so none is left to the queue's five receives.
    expect(await invoke(notOurs, neverRequested, unparseable, wrongShape, fine)).toEqual({ batchItemFailures: [] });

    const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.sqsEndpoint });
    const letters: Array<{ payload: unknown; status: string; error: string; retryCount: number }> = [];
    try {
      await eventually(
        async () => {
          const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: runtime.resources.dlqUrls.upload, MaxNumberOfMessages: 10 }));
          letters.push(...Messages.map((m) => JSON.parse(m.Body!)));
          return letters.length >= 4 ? true : undefined;
        },
        10_000,
        'four dead letters',
      );
    } finally {
      sqs.destroy();
    }
    expect(letters.map((l) => l.status).sort()).toEqual(['malformed_event', 'malformed_event', 'unknown_upload', 'unknown_upload']);
    expect(letters.map((l) => l.error).join(' ')).toContain('elsewhere/file.txt was not made by POST /uploads');
    expect(letters.every((l) => l.retryCount === 1)).toBe(true);
  });

  it('records nothing when the object is gone before its event is handled', async () => {
    const userId = `user-${randomUUID()}`;
    const fileId = newId();
    const objectKey = objectKeyFor(userId, fileId);
    await files.putPendingUpload({
      userId,
      fileId,
      fileName: 'gone.pdf',
      contentType: 'application/pdf',
      declaredSize: 10,
      tags: [],
      objectKey,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });

    expect(await invoke(s3Record(objectKey))).toEqual({ batchItemFailures: [] });
    expect(await files.getFile(userId, fileId)).toBeUndefined();
  });
});
