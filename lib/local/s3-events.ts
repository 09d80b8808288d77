import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FauxqsServer, SpyMessage } from 'fauxqs';
import { logger } from '../../shared/logger.ts';

/** S3 event keys are URL-encoded, with '+' for spaces. */
export function encodeEventKey(key: string): string {
  return key
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%20/g, '+'))
    .join('/');
}

/**
 * Stands in for S3's bucket notifications, which the embedded S3 lacks: every object stored
 * under `prefix` becomes an S3 `ObjectCreated` event, in S3's own JSON shape, on the upload queue.
 * It subscribes through the engine's message spy with a waiter that never resolves, so it sees
 * each upload as it is stored.
 */
export function bridgeObjectCreatedEvents(opts: {
  fauxqs: FauxqsServer;
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  prefix: string;
  queueUrl: string;
  region: string;
}): { stop(): void; idle(): Promise<void> } {
  let stopped = false;
  const inFlight = new Set<Promise<void>>();

  const publish = async (key: string, at: Date) => {
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
        configurationId: 'upload-queue',
        bucket: { name: opts.bucket, ownerIdentity: { principalId: 'local' }, arn: `arn:aws:s3:::${opts.bucket}` },
        object: { key: encodeEventKey(key), size: head.ContentLength ?? 0, eTag: (head.ETag ?? '').replace(/"/g, ''), sequencer: at.getTime().toString(16).toUpperCase() },
      },
    };
    await opts.sqs.send(new SendMessageCommand({ QueueUrl: opts.queueUrl, MessageBody: JSON.stringify({ Records: [record] }) }));
  };

  // The engine reports a POST upload twice, in the same tick (once storing, once answering the
  // form); S3 sends one event per write, so repeats within a tick are folded into one.
  const seenThisTick = new Set<string>();
  const observe = (m: SpyMessage): boolean => {
    if (stopped) return false;
    if (m.service === 's3' && m.status === 'uploaded' && m.bucket === opts.bucket && m.key.startsWith(opts.prefix)) {
      if (seenThisTick.has(m.key)) return false;
      if (seenThisTick.size === 0) setImmediate(() => seenThisTick.clear());
      seenThisTick.add(m.key);
      const task = publish(m.key, new Date(m.timestamp))
        .catch((err: unknown) => logger.error('Could not publish an S3 event for an upload', { key: m.key, error: err as Error }))
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
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
