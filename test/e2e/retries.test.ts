import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  // Backoff of one second a step keeps five attempts within a test; production uses 10 s doubling to 15 min.
  process.env.RETRY_BASE_SECONDS = '1';
  process.env.RETRY_MAX_SECONDS = '1';
  runtime = await startLocalRuntime({ port: 0 });
  api = new ApiClient(runtime.url);
});

afterAll(async () => {
  await runtime?.stop();
});

async function notificationOf(user: ApiClient, fileId: string) {
  return (await user.request('GET', `/notifications?fileId=${fileId}`)).body.items[0] as Record<string, any> | undefined;
}

describe('retries', () => {
  it('retries a send Twilio failed with a 5xx, by deferring the message, until it goes through', async () => {
    const user = api.as(await api.tokenFor('ivan'));
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550151' });
    runtime.simulator.setFaults({ errorRate5xx: 1 });
    const { fileId } = await user.upload({ fileName: 'retry.txt', contentType: 'text/plain', content: 'r' });
    await eventually(async () => ((await notificationOf(user, fileId))?.errorCode === '20500' ? true : undefined), 20_000, 'a first, failed attempt');
    runtime.simulator.clearFaults();

    const delivered = await eventually(
      async () => {
        const n = await notificationOf(user, fileId);
        return n?.status === 'delivered' ? n : undefined;
      },
      20_000,
      'delivery after the fault clears',
    );
    expect(delivered.attempts).toBeGreaterThanOrEqual(2);
    const sent = (await api.request('GET', '/local/twilio/messages')).body.items.filter((m: { to: string; status: string }) => m.to === '+14155550151');
    expect(sent.filter((m: { status: string }) => m.status === 'delivered')).toHaveLength(1);
  });

  it('after the last attempt, marks the notification failed and leaves the payload, outcome and attempt count on the DLQ', async () => {
    const user = api.as(await api.tokenFor('judy'));
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550161' });
    runtime.simulator.setFaults({ errorRate429: 1 });
    const { fileId } = await user.upload({ fileName: 'never.txt', contentType: 'text/plain', content: 'n' });

    const failed = await eventually(
      async () => {
        const n = await notificationOf(user, fileId);
        return n?.status === 'failed' ? n : undefined;
      },
      30_000,
      'the notification to fail after its last attempt',
    );
    runtime.simulator.clearFaults();
    expect(failed).toMatchObject({ errorCode: '20429', attempts: 5 });

    const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.sqsEndpoint });
    const dead = await eventually(
      async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: runtime.resources.dlqUrls.notification, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        return (Messages ?? []).map((m) => JSON.parse(m.Body!)).find((m) => m.payload?.notificationId === failed.notificationId);
      },
      10_000,
      'the dead letter',
    );
    expect(dead).toMatchObject({ status: 'failed', errorCode: '20429', retryCount: 5 });
    sqs.destroy();
  });
});
