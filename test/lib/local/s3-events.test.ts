import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../lib/local/api-client.ts';
import { LOCAL_REGION } from '../../../lib/local/engines.ts';
import { bridgeObjectCreatedEvents } from '../../../lib/local/s3-events.ts';
import { bucket } from '../../../shared/topology.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let t: TestEngines;
let dir: string;

beforeAll(async () => {
  t = await startTestEngines();
  dir = mkdtempSync(join(tmpdir(), 's3-events-'));
});

afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const bridge = (journalFile: string, sqs: SQSClient = t.sqs) =>
  bridgeObjectCreatedEvents({
    fauxqs: t.engines.fauxqs,
    s3: t.s3,
    sqs,
    bucket: t.resources.bucket,
    targets: [{ prefix: bucket.prefix, queueUrl: t.resources.queueUrls.upload }],
    region: LOCAL_REGION,
    journalFile,
  });

/** Keys of the object-created events on the upload queue, taken off it. */
async function eventKeys(count: number): Promise<string[]> {
  const keys: string[] = [];
  await eventually(
    async () => {
      const { Messages = [] } = await t.sqs.send(new ReceiveMessageCommand({ QueueUrl: t.resources.queueUrls.upload, MaxNumberOfMessages: 10 }));
      for (const m of Messages) keys.push(...JSON.parse(m.Body!).Records.map((r: { s3: { object: { key: string } } }) => decodeURIComponent(r.s3.object.key)));
      return keys.length >= count ? true : undefined;
    },
    10_000,
    `${count} events`,
  );
  return keys;
}

const put = (key: string) => t.s3.send(new PutObjectCommand({ Bucket: t.resources.bucket, Key: key, Body: 'x' }));

describe('S3 object-created events with a journal', () => {
  it('sends on start the events of uploads a killed process stored but never announced, and compacts the journal', async () => {
    const journal = join(dir, 'restart.jsonl');
    const key = `${bucket.prefix}user-a/01KILLED`;
    await put(key); // stored while no bridge was listening, as if the process died right after
    t.engines.fauxqs.spy.clear(); // a restarted engine remembers no upload it saw
    const announced = `${bucket.prefix}user-a/01ANNOUNCED`;
    writeFileSync(
      journal,
      `${[
        { key, at: Date.now() },
        { key: announced, at: Date.now() },
        { key: announced, done: true },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n')}\n{"key":"cut sho`,
    );

    const events = bridge(journal);
    try {
      expect(await eventKeys(1)).toEqual([key]);
      await events.idle();
      expect(
        readFileSync(journal, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toEqual([
        { key, at: expect.any(Number) },
        { key, done: true },
      ]);
    } finally {
      events.stop();
    }
  });

  it('keeps an upload whose event cannot be sent in the journal, for the next start', async () => {
    const journal = join(dir, 'unsent.jsonl');
    const unreachable = new SQSClient({
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
    });
    const events = bridge(journal, unreachable);
    const key = `${bucket.prefix}user-b/01UNSENT`;
    await put(key);
    events.stop(); // gives up after the attempt under way instead of retrying
    await events.idle();
    unreachable.destroy();
    expect(
      readFileSync(journal, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ key, at: expect.any(Number) }]);

    t.engines.fauxqs.spy.clear();
    const next = bridge(journal);
    try {
      expect(await eventKeys(1)).toEqual([key]);
    } finally {
      next.stop();
      await next.idle();
    }
  });
});
