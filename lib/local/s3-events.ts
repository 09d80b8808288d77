import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FauxqsServer, SpyMessage } from 'fauxqs';
import * as z from 'zod/mini';
import { logger } from '../../shared/logger.ts';
import { appendJsonLine, loadJsonLines } from './json-lines.ts';

const journalEntry = z.object({ key: z.string(), at: z.optional(z.number()), done: z.optional(z.boolean()) });

/** How often, and how far apart, a failed publish is tried again before it is left to the next start. */
const PUBLISH_TRIES = 6;
const PUBLISH_FIRST_RETRY_MS = 250;

/** Uploads the journal says were stored but whose events were never sent, oldest first. */
function unpublished(journalFile: string): Array<{ key: string; at: number }> {
  const pending = new Map<string, number>();
  for (const entry of loadJsonLines(journalFile, journalEntry)) {
    if (entry.done) pending.delete(entry.key);
    else pending.set(entry.key, entry.at ?? Date.now());
  }
  return [...pending].map(([key, at]) => ({ key, at }));
}

/** S3 event keys are URL-encoded, with '+' for spaces. */
export function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%20/g, '+'))
    .join('/');
}

/**
 * Stands in for S3's bucket notifications, which the embedded S3 lacks: every object stored
 * under one of the `targets`' prefixes becomes an S3 `ObjectCreated` event, in S3's own JSON
 * shape, on that target's queue.
 * It subscribes through the engine's message spy with a waiter that never resolves, so it sees
 * each upload as it is stored.
 *
 * S3 delivers its events durably; so does this bridge when given a `journalFile`: each upload is
 * written there before its POST is answered, and marked done once its event is on the queue. A
 * process killed in between sends the event on its next start (the consumer is idempotent, so
 * an event sent twice changes nothing), and a failed send is retried with backoff.
 */
export function bridgeObjectCreatedEvents(opts: {
  fauxqs: FauxqsServer;
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  /** Each announced prefix and the queue its events go to; no prefix holds another. */
  targets: ReadonlyArray<{ prefix: string; queueUrl: string }>;
  region: string;
  journalFile?: string;
}): { stop(): void; idle(): Promise<void> } {
  let stopped = false;
  const inFlight = new Set<Promise<void>>();

  const targetOf = (key: string) => opts.targets.find((target) => key.startsWith(target.prefix));

  const publish = async (key: string, queueUrl: string, at: Date) => {
    const head = await opts.s3.send(new HeadObjectCommand({ Bucket: opts.bucket, Key: key }));
    const record = {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: opts.region,
      eventTime: at.toISOString(),
      eventName: 'ObjectCreated:Post',
      userIdentity: { principalId: 'local' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'local', 'x-amz-id-2': 'local' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'object-created',
        bucket: { name: opts.bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${opts.bucket}` },
        object: {
          key: encodeEventKey(key),
          size: head.ContentLength ?? 0,
          eTag: (head.ETag ?? '').replace(/"/g, ''),
          sequencer: at.getTime().toString(16).toUpperCase(),
        },
      },
    };
    await opts.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ Records: [record] }) }));
  };

  const deliver = (key: string, at: Date) => {
    const target = targetOf(key);
    if (!target) return;
    const task = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await publish(key, target.queueUrl, at);
          if (opts.journalFile) appendJsonLine(opts.journalFile, { key, done: true });
          return;
        } catch (err) {
          if (stopped || attempt === PUBLISH_TRIES) {
            const next = opts.journalFile ? 'it is sent on the next start' : 'its upload will not be handled';
            logger.error(`Could not publish an S3 event for an upload; ${next}`, { key, error: err as Error });
            return;
          }
          await sleep(PUBLISH_FIRST_RETRY_MS * 2 ** (attempt - 1));
        }
      }
    })().finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  if (opts.journalFile) {
    const left = unpublished(opts.journalFile);
    writeFileSync(opts.journalFile, left.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    for (const { key, at } of left) deliver(key, new Date(at));
  }

  // The engine reports a POST upload twice, in the same tick (once storing, once answering the
  // form); S3 sends one event per write, so repeats within a tick are folded into one.
  const seenThisTick = new Set<string>();
  const observe = (m: SpyMessage): boolean => {
    if (stopped) return false;
    if (m.service === 's3' && m.status === 'uploaded' && m.bucket === opts.bucket && targetOf(m.key)) {
      if (seenThisTick.has(m.key)) return false;
      if (seenThisTick.size === 0) setImmediate(() => seenThisTick.clear());
      seenThisTick.add(m.key);
      // Written before the engine answers the upload, as S3 holds an event once it has the object.
      if (opts.journalFile) appendJsonLine(opts.journalFile, { key: m.key, at: m.timestamp });
      deliver(m.key, new Date(m.timestamp));
    }
    return false;
  };
  void opts.fauxqs.spy.waitForMessage(observe).catch(() => undefined);

  return {
    stop() {
      stopped = true;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
