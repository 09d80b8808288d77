import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { bucket } from '../../shared/topology.ts';
import { documentClient } from '../../shared/adapters/dynamo-client.ts';
import { DynamoNotificationRepository } from '../../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoOptOutRepository } from '../../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { twilioSignature } from '../../shared/adapters/twilio-signature.ts';
import type { InboundMessage, NotificationRecord } from '../../shared/ports.ts';
import { pendingNotificationRecord } from '../support/fixtures.ts';

const HELP_TEXT = 'Acme file alerts. Reply STOP to opt out.';
const MEDIA_MAX_BYTES = 64 * 1024;
const DEADLINE_MS = 300;

let runtime: LocalRuntime;
let api: ApiClient;
let dynamo: DynamoDBClient;
let db: DynamoDBDocumentClient;
let s3: S3Client;
let notifications: DynamoNotificationRepository;
let optOuts: DynamoOptOutRepository;
let media: Server;
let mediaUrl: string;

// A 1×1 PNG, and a picture larger than the cap.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const bigPng = Buffer.concat([png, Buffer.alloc(MEDIA_MAX_BYTES + 1)]);

beforeAll(async () => {
  Object.assign(process.env, {
    HELP_TEXT,
    MEDIA_MAX_BYTES: String(MEDIA_MAX_BYTES),
    MEDIA_TIMEOUT_MS: '500',
    STATUS_UPDATE_DEADLINE_MS: String(DEADLINE_MS),
    // The status-callback consumer backs off a second at a time, so a retry lands within the test.
    RETRY_BASE_SECONDS: '1',
    RETRY_MAX_SECONDS: '1',
  });
  media = createServer((req, res) => {
    switch (req.url) {
      case '/photo.png':
        return res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      case '/same-photo.png':
        return res.writeHead(200, { 'content-type': 'image/png; charset=binary' }).end(png);
      case '/huge.png':
        return res.writeHead(200, { 'content-type': 'image/png' }).end(bigPng);
      case '/page.jpg':
        return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not a picture</html>');
      case '/slow.png':
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(png.subarray(0, 8));
        return; // never finishes
      default:
        return res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;

  // Inbound media is fetched only from Twilio's hosts; this test hosts its own on loopback.
  process.env.MEDIA_EXTRA_ORIGINS = mediaUrl;
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT' });
  api = new ApiClient(runtime.url);
  dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint });
  db = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.awsEndpoint, forcePathStyle: true });
  notifications = new DynamoNotificationRepository(runtime.resources.tableNames.notifications, db);
  optOuts = new DynamoOptOutRepository(runtime.resources.tableNames.state, db);
});

afterAll(async () => {
  media?.closeAllConnections();
  media?.close();
  dynamo?.destroy();
  s3?.destroy();
  await runtime?.stop();
  for (const key of [
    'HELP_TEXT',
    'MEDIA_MAX_BYTES',
    'MEDIA_TIMEOUT_MS',
    'MEDIA_EXTRA_ORIGINS',
    'STATUS_UPDATE_DEADLINE_MS',
    'RETRY_BASE_SECONDS',
    'RETRY_MAX_SECONDS',
  ]) {
    delete process.env[key];
  }
});

const newSid = () => `SM${randomUUID().replace(/-/g, '')}`;
let nextNumber = 7100;
const freshNumber = () => `+1415555${nextNumber++}`;

/** Posts a form as Twilio would: signed with the account token over the public URL. */
function postSigned(path: string, params: Record<string, string>) {
  return fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(runtime.twilio.authToken, `${runtime.publicBaseUrl}${path}`, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}

const inbound = (from: string, body: string, extra: Record<string, string> = {}) => ({
  MessageSid: newSid(),
  AccountSid: runtime.twilio.accountSid,
  From: from,
  To: runtime.twilio.fromNumber,
  Body: body,
  NumMedia: '0',
  ...extra,
});

async function replyTo(params: Record<string, string>): Promise<string> {
  const response = await postSigned('/twilio/incoming', params);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/xml/);
  return response.text();
}

const twimlMessage = (text: string) => `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${text}</Message></Response>`;
const emptyTwiml = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

async function storedMessagesFrom(from: string): Promise<InboundMessage[]> {
  const out = await db.send(
    new QueryCommand({
      TableName: runtime.resources.tableNames.state,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `INBOUND#${from}` },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []) as InboundMessage[];
}

async function pendingNotificationTo(target: string, userId = `user-${randomUUID()}`): Promise<NotificationRecord> {
  return notifications.createIfAbsent(pendingNotificationRecord({ target, userId }));
}

const statusPath = (n: NotificationRecord) => `/twilio/status?${new URLSearchParams({ u: n.userId, n: n.notificationId })}`;

describe('status callbacks over HTTP', () => {
  it('applies a callback that arrives before the sender stored the SID, through the notification named in its URL', async () => {
    const n = await pendingNotificationTo(freshNumber());
    const sid = newSid();
    const response = await postSigned(statusPath(n), { MessageSid: sid, MessageStatus: 'sent', AccountSid: runtime.twilio.accountSid });
    expect(response.status).toBe(200);
    expect(await notifications.get(n.userId, n.notificationId)).toMatchObject({ status: 'sent', messageSid: sid });
    expect(await notifications.findByMessageSid(sid)).toEqual({ userId: n.userId, notificationId: n.notificationId });
  });

  it('stores the ErrorCode with a readable message', async () => {
    const n = await pendingNotificationTo(freshNumber());
    const response = await postSigned(statusPath(n), { MessageSid: newSid(), MessageStatus: 'undelivered', ErrorCode: '30007' });
    expect(response.status).toBe(200);
    expect(await notifications.get(n.userId, n.notificationId)).toMatchObject({
      status: 'undelivered',
      errorCode: '30007',
      errorMessage: 'The carrier filtered the message.',
    });
  });

  it('answers 200 at once when DynamoDB stalls, and the kept callback is applied once it recovers', async () => {
    const n = await pendingNotificationTo(freshNumber());
    let stalled = true;
    // The webhook's update hangs and then fails, as a DynamoDB outage would; only the queued copy can land.
    const stall = () => async (args: unknown) => {
      await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS * 3));
      throw new Error(`simulated DynamoDB outage (${JSON.stringify(args).length} bytes)`);
    };
    documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (stalled && /^Update(Item)?Command$/.test(context.commandName ?? '')) return stall()(args);
        return next(args);
      },
      { step: 'initialize', name: 'stallForTest' },
    );
    try {
      const started = performance.now();
      const response = await postSigned(statusPath(n), { MessageSid: newSid(), MessageStatus: 'delivered' });
      const elapsed = performance.now() - started;
      expect(response.status).toBe(200);
      expect(elapsed).toBeLessThan(DEADLINE_MS + 1_000);
      expect((await notifications.get(n.userId, n.notificationId))!.status).toBe('pending');
      stalled = false;
      await eventually(
        async () => ((await notifications.get(n.userId, n.notificationId))!.status === 'delivered' ? true : undefined),
        20_000,
        'the queued callback to land',
      );
    } finally {
      documentClient.middlewareStack.remove('stallForTest');
    }
  });
});

describe('inbound messages', () => {
  it('stores an inbound SMS once per MessageSid, however often Twilio repeats the webhook', async () => {
    const from = freshNumber();
    const params = inbound(from, 'Thanks, got it');
    expect(await replyTo(params)).toBe(emptyTwiml);
    expect(await replyTo(params)).toBe(emptyTwiml);
    const stored = await storedMessagesFrom(from);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ messageSid: params.MessageSid, from, to: runtime.twilio.fromNumber, body: 'Thanks, got it', media: [] });
    expect(Date.parse(stored[0]!.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it.each(['STOP', ' stop ', 'Unsubscribe', 'cancel', 'END', 'quit', 'Revoke', 'optout', 'STOPALL'])(
    'opts the sender out on %j and confirms in TwiML',
    async (word) => {
      const from = freshNumber();
      expect(await replyTo(inbound(from, word))).toBe(
        twimlMessage('You are unsubscribed and will get no more messages from this number. Reply START to subscribe again.'),
      );
      expect(await optOuts.get(from)).toMatchObject({ phone: from, source: 'keyword' });
    },
  );

  it('takes a keyword only as the whole message', async () => {
    const from = freshNumber();
    expect(await replyTo(inbound(from, 'please stop sending these'))).toBe(emptyTwiml);
    expect(await replyTo(inbound(from, 'STOP!'))).toBe(emptyTwiml);
    expect(await optOuts.get(from)).toBeUndefined();
  });

  it.each(['START', 'yes', 'Unstop'])('opts the sender back in on %j', async (word) => {
    const from = freshNumber();
    await replyTo(inbound(from, 'STOP'));
    expect(await replyTo(inbound(from, word))).toBe(twimlMessage('You are subscribed again. Reply STOP to unsubscribe, HELP for help.'));
    expect(await optOuts.get(from)).toBeUndefined();
  });

  it.each(['HELP', 'info'])('answers %j with the configured help text', async (word) => {
    expect(await replyTo(inbound(freshNumber(), word))).toBe(twimlMessage(HELP_TEXT));
  });

  it('recognises a WhatsApp STOP by the number behind the address', async () => {
    const number = freshNumber();
    await replyTo(inbound(`whatsapp:${number}`, 'stop'));
    expect(await optOuts.get(number)).toMatchObject({ source: 'keyword' });
  });

  it('cancels every pending notification to the sender on STOP, except one a sender holds right now', async () => {
    const from = freshNumber();
    const pending = [await pendingNotificationTo(from), await pendingNotificationTo(from)];
    const held = await pendingNotificationTo(from);
    await notifications.claim(held.userId, held.notificationId, Date.now(), Date.now() + 60_000);
    const elsewhere = await pendingNotificationTo(freshNumber());

    await replyTo(inbound(from, 'STOP'));

    for (const n of pending) {
      const stored = (await notifications.get(n.userId, n.notificationId))!;
      expect(stored).toMatchObject({ status: 'suppressed', errorCode: '21610' });
      expect(stored.history.map((h) => h.status)).toEqual(['pending', 'suppressed']);
    }
    expect((await notifications.get(held.userId, held.notificationId))!.status).toBe('pending');
    expect((await notifications.get(elsewhere.userId, elsewhere.notificationId))!.status).toBe('pending');
  });

  it('sends nothing to a number that texted STOP through the simulator until it texts START', async () => {
    const target = freshNumber();
    const user = api.as(await api.tokenFor(`optout-${randomUUID()}`));
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target });
    const inboundVia = async (body: string) => (await api.request('POST', '/local/twilio/inbound', { from: target, to: runtime.twilio.fromNumber, body })).body;

    expect(await inboundVia('STOP')).toMatchObject({ status: 200 });
    const first = await user.upload({ fileName: 'one.txt', contentType: 'text/plain', content: '1' });
    const suppressed = await eventually(
      async () => {
        const [n] = (await user.request('GET', `/notifications?fileId=${first.fileId}`)).body.items;
        return n?.status === 'suppressed' ? n : undefined;
      },
      20_000,
      'the notification to be suppressed',
    );
    expect(suppressed.errorCode).toBe('21610');

    expect(await inboundVia('START')).toMatchObject({ status: 200 });
    const second = await user.upload({ fileName: 'two.txt', contentType: 'text/plain', content: '2' });
    await eventually(
      async () => {
        const [n] = (await user.request('GET', `/notifications?fileId=${second.fileId}`)).body.items;
        return n?.status === 'delivered' ? n : undefined;
      },
      20_000,
      'the notification after START to be delivered',
    );
    const sent = (await api.request('GET', '/local/twilio/messages')).body.items.filter((m: { to: string }) => m.to === target);
    expect(sent.map((m: { body: string }) => m.body)).toEqual([expect.stringContaining('two.txt')]);
  });
});

describe('inbound MMS media', () => {
  // Images are kept in the message store's media, owned (until a line claims the number) by the number they were sent to.
  const ownerPrefix = () => `${bucket.messageMediaPrefix}${encodeURIComponent(`unclaimed#${runtime.twilio.fromNumber}`)}/`;
  const mediaKey = (bytes: Buffer) => `${ownerPrefix()}${createHash('sha256').update(bytes).digest('hex')}`;

  it('copies each image once under its content hash, outside the uploads prefix, and records why the rest were skipped', async () => {
    const from = freshNumber();
    const urls = ['photo.png', 'same-photo.png', 'notes.txt', 'page.jpg', 'huge.png', 'slow.png', 'missing.png'].map((p) => `${mediaUrl}/${p}`);
    expect((await api.request('POST', '/local/twilio/inbound', { from, to: runtime.twilio.fromNumber, body: 'pics', mediaUrls: urls })).body).toMatchObject({
      status: 200,
    });

    const [message] = await storedMessagesFrom(from);
    const key = mediaKey(png);
    expect(message!.media).toEqual([
      { url: urls[0], contentType: 'image/png', sha256: key.slice(ownerPrefix().length), key, sizeBytes: png.length },
      { url: urls[1], contentType: 'image/png', sha256: key.slice(ownerPrefix().length), key, sizeBytes: png.length },
      { url: urls[2], contentType: 'text/plain', skipped: 'not an image (text/plain)' },
      { url: urls[3], contentType: 'image/jpeg', skipped: 'not an image (text/html)' },
      { url: urls[4], contentType: 'image/png', skipped: `larger than ${MEDIA_MAX_BYTES} bytes` },
      { url: urls[5], contentType: 'image/png', skipped: 'no complete answer within 500 ms' },
      { url: urls[6], contentType: 'image/png', skipped: 'HTTP 404' },
    ]);

    const head = await s3.send(new HeadObjectCommand({ Bucket: runtime.resources.bucket, Key: key }));
    expect(head.ContentType).toBe('image/png');
    expect(head.ContentLength).toBe(png.length);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: runtime.resources.bucket, Prefix: ownerPrefix() }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([key]);
    const legacy = await s3.send(new ListObjectsV2Command({ Bucket: runtime.resources.bucket, Prefix: bucket.mediaPrefix }));
    expect(legacy.Contents ?? []).toEqual([]);
    expect(bucket.messageMediaPrefix.startsWith(bucket.prefix)).toBe(false);
  });
  it('fetches media the simulator hosts as Twilio does: with the account’s credentials, through its redirect', async () => {
    const from = freshNumber();
    const answer = await api.request('POST', '/local/twilio/inbound', {
      from,
      to: runtime.twilio.fromNumber,
      body: 'hosted pic',
      media: [{ contentType: 'image/png', data: png.toString('base64') }],
    });
    expect(answer.body).toMatchObject({ status: 200 });

    const [message] = await storedMessagesFrom(from);
    expect(message!.messageSid).toMatch(/^MM[0-9a-f]{32}$/);
    const key = mediaKey(png);
    expect(message!.media).toEqual([
      {
        url: expect.stringMatching(new RegExp(`/2010-04-01/Accounts/${runtime.twilio.accountSid}/Messages/${message!.messageSid}/Media/ME[0-9a-f]{32}$`)),
        contentType: 'image/png',
        sha256: key.slice(ownerPrefix().length),
        key,
        sizeBytes: png.length,
      },
    ]);
    // Without the account's credentials the URL gives nothing away.
    expect((await fetch(message!.media![0]!.url, { redirect: 'manual' })).status).toBe(401);
  });
});

describe('a notification’s history', () => {
  it('shows every status it passed through in GET /notifications and GET /files/{fileId}', async () => {
    const target = freshNumber();
    const user = api.as(await api.tokenFor(`history-${randomUUID()}`));
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target });
    const { fileId } = await user.upload({ fileName: 'history.txt', contentType: 'text/plain', content: 'h' });

    const listed = await eventually(
      async () => {
        const [n] = (await user.request('GET', `/notifications?fileId=${fileId}`)).body.items;
        return n?.status === 'delivered' ? n : undefined;
      },
      20_000,
      'delivery',
    );
    // `queued` is the sender's own entry; when the simulator's `sent` callback beats that write, it is (rightly) skipped.
    const statuses = listed.history.map((h: { status: string }) => h.status);
    expect([
      ['pending', 'queued', 'sent', 'delivered'],
      ['pending', 'sent', 'delivered'],
    ]).toContainEqual(statuses);
    for (const entry of listed.history) expect(new Date(entry.at).toISOString()).toBe(entry.at);

    const file = await user.request('GET', `/files/${fileId}`);
    expect(file.body.notifications).toHaveLength(1);
    expect(file.body.notifications[0].history).toEqual(listed.history);
  });
});
