import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../lib/local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lib/local/engines.ts';
import { projectRoot, startLocalRuntime, type LocalRuntime } from '../../../lib/local/runtime.ts';
import { deadLetterBody } from '../../../shared/schemas/queue-body.ts';

const run = promisify(execFile);
let runtime: LocalRuntime;
let sqs: SQSClient;

/** `npm run dlq -- …` against this test's runtime. */
const dlq = (...args: string[]) =>
  run(join(projectRoot, 'node_modules/.bin/tsx'), ['bin/dlq.ts', ...args, '--local', runtime.url], { cwd: projectRoot }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

const depth = async (url: string) => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
};

// Saved state, as `npm start` runs by default: the embedded SQS keeps its messages on disk.
const dataDir = mkdtempSync(join(tmpdir(), 'dlq-data-'));

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dataDir });
  sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.sqsEndpoint });
  // Three dead letters as the sender leaves them: the original reference under `payload`.
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: runtime.resources.dlqUrls.notification,
      Entries: [0, 1, 2].map((i) => ({
        Id: String(i),
        MessageBody: deadLetterBody.build({
          payload: { userId: 'ops', notificationId: `gone-${i}` },
          status: 'failed',
          error: 'x',
          retryCount: 5,
          failedAt: new Date().toISOString(),
        }),
      })),
    }),
  );
});

afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run dlq', () => {
  it('lists the dead letters without taking them off the queue', async () => {
    const { code, out } = await dlq('list', '--queue', 'notification');
    expect(code).toBe(0);
    expect(out).toContain('3 message(s) on the notification DLQ');
    expect(out).toContain('gone-1');
    expect(await depth(runtime.resources.dlqUrls.notification)).toBe(3);
    // Listing twice shows the same three: nothing was hidden by the first look.
    expect((await dlq('list', '--queue', 'notification')).out).toContain('3 message(s) on the notification DLQ');
  });

  it('refuses to purge without a confirmation', async () => {
    const { code, out } = await dlq('purge', '--queue', 'notification');
    expect(code).toBe(1);
    expect(out).toContain('Nothing deleted');
    expect(await depth(runtime.resources.dlqUrls.notification)).toBe(3);
  });

  it('redrives them to their queue, where the consumer handles them idempotently', async () => {
    const { code, out } = await dlq('redrive', '--queue', 'notification');
    expect(code).toBe(0);
    expect(out).toContain('Moved 3 message(s)');
    expect(await depth(runtime.resources.dlqUrls.notification)).toBe(0);
    // Their notifications do not exist, so the sender skips and deletes them.
    await eventually(async () => ((await depth(runtime.resources.queueUrls.notification)) === 0 ? true : undefined), 10_000, 'the queue to drain');
  });

  it('purges with --yes, and explains an unknown queue', async () => {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: runtime.resources.dlqUrls.upload, Entries: [{ Id: '0', MessageBody: 'not json' }] }));
    expect((await dlq('purge', '--queue', 'upload', '--yes')).out).toContain('Purged the upload DLQ');
    expect(await depth(runtime.resources.dlqUrls.upload)).toBe(0);
    const unknown = await dlq('list', '--queue', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('usage: npm run dlq');
  });
});
