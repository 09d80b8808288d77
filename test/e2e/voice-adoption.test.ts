import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { bucket } from '../../shared/topology.ts';
import { DynamoUnclaimedMessages } from '../../shared/adapters/dynamo-unclaimed-messages-adapter.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let dynamo: DynamoDBClient;
let s3: S3Client;
let unclaimed: DynamoUnclaimedMessages;
let media: Server;
let mediaUrl: string;

// Two distinct 1×1 PNGs (the second differs in its pixel), so each has its own content hash.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const otherPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  media = createServer((req, res) => {
    if (req.url === '/front-door.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    if (req.url === '/leak.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(otherPng);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
  // Inbound media is fetched only from Twilio's hosts; this test hosts its own on loopback.
  process.env.MEDIA_EXTRA_ORIGINS = mediaUrl;
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', fast: true });
  api = new ApiClient(runtime.url);
  dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint });
  s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.awsEndpoint, forcePathStyle: true });
  unclaimed = new DynamoUnclaimedMessages(runtime.resources.tableNames.messages, DynamoDBDocumentClient.from(dynamo));
});

afterAll(async () => {
  media?.closeAllConnections();
  media?.close();
  dynamo?.destroy();
  s3?.destroy();
  await runtime?.stop();
  delete process.env.MEDIA_EXTRA_ORIGINS;
});

const objectsUnder = async (owner: string) => {
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: runtime.resources.bucket, Prefix: `${bucket.messageMediaPrefix}${encodeURIComponent(owner)}/` }),
  );
  return (listed.Contents ?? []).map((o) => o.Key);
};

describe('a line adopting the messages sent to its number before it existed', () => {
  it("makes the earlier MMS the owner's, images included, and leaves nothing unclaimed", async () => {
    const number = '+14155558801';
    runtime.phoneNumbers.add(number);
    const sender = '+14155558802';
    const sent = await api.request('POST', '/local/twilio/inbound', {
      from: sender,
      to: number,
      body: 'This is the door that sticks.',
      mediaUrls: [`${mediaUrl}/front-door.png`, `${mediaUrl}/leak.png`],
    });
    expect(sent.body).toMatchObject({ status: 200 });
    // Kept for the number while no line holds it, with its images.
    const kept = await eventually(
      async () => {
        const page = await unclaimed.list(number, { limit: 10 });
        return page.items.length === 1 && page.items[0]!.media.length === 2 ? page.items[0] : undefined;
      },
      20_000,
      'the message kept under its number',
    );
    expect(kept.owner).toBe(`unclaimed#${number}`);
    expect((await objectsUnder(kept.owner)).sort()).toEqual(
      [sha256(png), sha256(otherPng)].map((h) => `${bucket.messageMediaPrefix}${encodeURIComponent(kept.owner)}/${h}`).sort(),
    );

    const userId = `user-${randomUUID()}`;
    const alice = api.as(await runtime.token(userId));
    const created = await alice.request('POST', '/lines', { number, forwardTo: '+14155558803', businessName: 'Door Fixers' });
    expect(created.status, created.text).toBe(201);

    const adopted = await eventually(
      async () => {
        const { body } = await alice.request('GET', `/messages?from=${encodeURIComponent(sender)}`);
        return body.items.length === 1 ? body.items[0] : undefined;
      },
      20_000,
      "the earlier message to become the owner's",
    );
    expect(adopted).toMatchObject({ messageId: kept.messageId, from: sender, to: number, message: 'This is the door that sticks.' });

    // The images are the owner's now: listed with links that serve the same bytes.
    const listed = await alice.request('GET', `/messages/${adopted.messageId}/media`);
    expect(listed.status, listed.text).toBe(200);
    const items = listed.body.items as Array<{ mediaId: string; contentType: string; sizeBytes: number; url: string }>;
    expect(items.map((m) => m.mediaId).sort()).toEqual([sha256(png), sha256(otherPng)].sort());
    for (const item of items) {
      expect(item.contentType).toBe('image/png');
      const downloaded = Buffer.from(await (await fetch(item.url)).arrayBuffer());
      expect(sha256(downloaded)).toBe(item.mediaId);
      expect(item.sizeBytes).toBe(downloaded.length);
    }
    const ownerObjects = await objectsUnder(`user#${userId}`);
    expect(ownerObjects.sort()).toEqual(items.map((m) => `${bucket.messageMediaPrefix}${encodeURIComponent(`user#${userId}`)}/${m.mediaId}`).sort());
    for (const key of ownerObjects) {
      expect((await s3.send(new HeadObjectCommand({ Bucket: runtime.resources.bucket, Key: key! }))).ContentType).toBe('image/png');
    }

    // Nothing stays under the number, and nobody else sees the message.
    await eventually(async () => ((await unclaimed.list(number, { limit: 10 })).items.length === 0 ? true : undefined), 20_000, 'the unclaimed copy to go');
    const bob = api.as(await runtime.token(`user-${randomUUID()}`));
    expect((await bob.request('GET', `/messages/${adopted.messageId}/media`)).status).toBe(404);
  });
});
