import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { bucket, queues, tables } from '../../shared/topology.ts';
import { ApiClient, eventually, postForm } from '../../lib/local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { sampleImages } from '../../lib/local/sample-images.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

/** A fresh signed-in user, so each test starts with an empty store and its own rate windows. */
async function newUser(): Promise<ApiClient> {
  return api.as(await runtime.token(`user-${randomUUID()}`));
}

/** A distinct valid US number per call: 415-555-01xx is not assignable, so use real-looking 650 numbers. */
let nextNumber = 2_000_000;
const freshNumber = () => `+1650${String(nextNumber++).padStart(7, '0')}`;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, logLevel: process.env.LOG_LEVEL ?? 'SILENT' });
  api = new ApiClient(runtime.url);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('POST /messages', () => {
  it('accepts a valid message with 202 and processes it to processed', async () => {
    const user = await newUser();
    const from = freshNumber();
    const posted = await user.request('POST', '/messages', { from, to: '+14155552671', message: 'Hello, world!' });
    expect(posted.status).toBe(202);
    expect(posted.body).toEqual({ messageId: expect.stringMatching(/^[0-9A-Z]{26}$/), status: 'received', receivedAt: expect.any(String) });

    const processed = await eventually(async () => {
      const { body } = await user.request('GET', `/messages/${posted.body.messageId}`);
      return body?.status === 'processed' ? body : undefined;
    });
    expect(processed).toMatchObject({
      messageId: posted.body.messageId,
      from,
      to: '+14155552671',
      message: 'Hello, world!',
      source: 'api',
      media: [],
      processedAt: expect.any(String),
    });
    expect(processed.processingMs).toBeGreaterThanOrEqual(0);

    // The counters the deployed functions write to CloudWatch, here counted by the runtime. The
    // processing time is counted once the consumer returns, just after the status is written.
    const body = await eventually(async () => {
      const metrics = await api.request('GET', '/local/metrics');
      expect(metrics.status).toBe(200);
      return metrics.body.metrics['ProcessingTime queue=message-ingest'] ? metrics.body : undefined;
    });
    expect(body.namespace).toBe('TwilioNotifications');
    expect(body.metrics['Ingest outcome=accepted']).toBeGreaterThanOrEqual(1);
    expect(body.metrics['ProcessingTime queue=message-ingest']).toMatchObject({ count: expect.any(Number), averageMs: expect.any(Number) });
  });

  it('refuses invalid input with 400 naming every bad field, and stores nothing', async () => {
    const user = await newUser();
    const bad = await user.request('POST', '/messages', { from: '12345', to: '+1999', message: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    const fields = bad.body.error.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['from', 'message', 'to']);

    const cases: unknown[] = [
      { from: '+14155552671', to: '+14155552672', message: 'x'.repeat(161) },
      { from: '+14155552671', to: '+14155552672', message: 42 },
      { from: '+1 415 555 2671', to: '+14155552672', message: 'spaces are not E.164' },
      { from: '+10000000000', to: '+14155552672', message: 'shape only, not a valid number' },
      { from: '+14155552671', to: '+14155552672', message: 'hi', extra: true },
      {},
      '{"from": ',
      '',
    ];
    for (const body of cases) {
      const response = await user.request('POST', '/messages', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    // 160 code points are fine even when they take more UTF-16 units.
    const emoji = await user.request('POST', '/messages', { from: freshNumber(), to: '+14155552672', message: '😀'.repeat(160) });
    expect(emoji.status).toBe(202);
    expect((await user.request('GET', '/messages')).body.items).toHaveLength(1);
  });

  it('answers ten concurrent identical requests with one stored message and nine duplicates of it', async () => {
    const user = await newUser();
    const body = { from: freshNumber(), to: '+14155552671', message: 'same' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => user.request('POST', '/messages', body)));
    const accepted = responses.filter((r) => r.status === 202);
    const duplicates = responses.filter((r) => r.status === 200);
    expect(accepted).toHaveLength(1);
    expect(duplicates).toHaveLength(9);
    for (const d of duplicates) expect(d.body).toEqual({ messageId: accepted[0]!.body.messageId, duplicate: true });
    expect((await user.request('GET', '/messages')).body.items).toHaveLength(1);
  });

  it('does not count duplicates against the rate limit', async () => {
    const user = await newUser();
    const from = freshNumber();
    for (let i = 0; i < 4; i++) expect((await user.request('POST', '/messages', { from, to: '+14155552671', message: `m${i}` })).status).toBe(202);
    for (let i = 0; i < 5; i++) expect((await user.request('POST', '/messages', { from, to: '+14155552671', message: 'm0' })).status).toBe(200);
    expect((await user.request('POST', '/messages', { from, to: '+14155552671', message: 'fifth' })).status).toBe(202);
  });

  it('accepts exactly five of twenty concurrent messages from one sender, and refuses the rest with Retry-After', async () => {
    const user = await newUser();
    const from = freshNumber();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => user.request('POST', '/messages', { from, to: '+14155552671', message: `burst ${i}` })),
    );
    expect(responses.filter((r) => r.status === 202)).toHaveLength(5);
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(15);
    for (const r of limited) {
      expect(r.body.error.code).toBe('RATE_LIMITED');
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    }
    expect((await user.request('GET', '/messages?limit=100')).body.items).toHaveLength(5);
    // Another sender of the same user has a window of its own.
    expect((await user.request('POST', '/messages', { from: freshNumber(), to: '+14155552671', message: 'other sender' })).status).toBe(202);
  });
});

describe('GET /messages', () => {
  /** Nine messages over three senders and two recipients, posted one by one so their order is known. */
  async function seed(user: ApiClient) {
    const senders = [freshNumber(), freshNumber(), freshNumber()];
    const recipients = ['+14155552671', '+14155552672'];
    const posted: Array<{ messageId: string; from: string; to: string }> = [];
    for (let i = 0; i < 9; i++) {
      const from = senders[i % 3]!;
      const to = recipients[i % 2]!;
      const { status, body } = await user.request('POST', '/messages', { from, to, message: `message ${i}` });
      expect(status).toBe(202);
      posted.push({ messageId: body.messageId, from, to });
    }
    await eventually(async () => {
      const { body } = await user.request('GET', '/messages?status=processed&limit=100');
      return body.items.length === 9 ? true : undefined;
    });
    return { senders, recipients, posted, newestFirst: [...posted].reverse() };
  }

  it('filters by from, to and status in every combination, newest first', async () => {
    const user = await newUser();
    const { senders, recipients, newestFirst } = await seed(user);
    const ids = (items: Array<{ messageId: string }>) => items.map((m) => m.messageId);
    const expectFor = async (query: { from?: string; to?: string; status?: string }) => {
      const qs = new URLSearchParams({ ...query, limit: '100' }).toString();
      const { status, body } = await user.request('GET', `/messages?${qs}`);
      expect(status, qs).toBe(200);
      const expected =
        query.status && query.status !== 'processed'
          ? []
          : newestFirst.filter((m) => (!query.from || m.from === query.from) && (!query.to || m.to === query.to));
      expect(ids(body.items), qs).toEqual(ids(expected));
    };
    await expectFor({});
    for (const status of [undefined, 'processed', 'received']) {
      const s = status ? { status } : {};
      await expectFor({ ...s });
      await expectFor({ from: senders[0], ...s });
      await expectFor({ to: recipients[1], ...s });
      await expectFor({ from: senders[1], to: recipients[0], ...s });
    }
  });

  it('pages with limit (default 10), offset and tamper-checked cursors', async () => {
    const user = await newUser();
    const { newestFirst } = await seed(user);
    const all = newestFirst.map((m) => m.messageId);
    const first = await user.request('GET', '/messages?limit=4');
    expect(first.body).toMatchObject({ limit: 4, offset: 0, nextCursor: expect.any(String) });
    expect(first.body.items.map((m: { messageId: string }) => m.messageId)).toEqual(all.slice(0, 4));
    const second = await user.request('GET', `/messages?limit=4&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.items.map((m: { messageId: string }) => m.messageId)).toEqual(all.slice(4, 8));
    const last = await user.request('GET', `/messages?limit=4&cursor=${encodeURIComponent(second.body.nextCursor)}`);
    expect(last.body.items.map((m: { messageId: string }) => m.messageId)).toEqual(all.slice(8));
    expect(last.body.nextCursor).toBeNull();

    const offset = await user.request('GET', '/messages?offset=3&limit=2');
    expect(offset.body.items.map((m: { messageId: string }) => m.messageId)).toEqual(all.slice(3, 5));
    expect(offset.body).toMatchObject({ limit: 2, offset: 3 });
    expect((await user.request('GET', '/messages?offset=9')).body).toMatchObject({ items: [], nextCursor: null });
    expect((await user.request('GET', '/messages')).body).toMatchObject({ limit: 10, offset: 0, nextCursor: null });

    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'offset=-1',
      'offset=10001',
      'offset=1.5',
      'status=sent',
      'from=123',
      'cursor=garbage',
      'colour=red',
    ]) {
      const response = await user.request('GET', `/messages?${query}`);
      expect(response.status, query).toBe(400);
    }
    // A cursor made for one filter or user opens nothing else.
    const cursor = encodeURIComponent(first.body.nextCursor);
    expect((await user.request('GET', `/messages?status=processed&cursor=${cursor}`)).status).toBe(400);
    expect((await (await newUser()).request('GET', `/messages?cursor=${cursor}`)).status).toBe(400);
  });

  it("answers 404 for another user's message and for one that does not exist", async () => {
    const alice = await newUser();
    const mallory = await newUser();
    const { body } = await alice.request('POST', '/messages', { from: freshNumber(), to: '+14155552671', message: 'private' });
    expect((await alice.request('GET', `/messages/${body.messageId}`)).status).toBe(200);
    expect((await mallory.request('GET', `/messages/${body.messageId}`)).status).toBe(404);
    expect((await mallory.request('GET', `/messages/${body.messageId}/media`)).status).toBe(404);
    expect((await mallory.request('GET', '/messages')).body.items).toEqual([]);
    expect((await alice.request('GET', '/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
    expect((await alice.request('GET', '/messages/not-an-id')).status).toBe(400);
  });
});

/** A fresh user with `count` messages of theirs. */
async function userWithMessages(count: number) {
  const userId = `user-${randomUUID()}`;
  const user = api.as(await runtime.token(userId));
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { body } = await user.request('POST', '/messages', { from: freshNumber(), to: '+14155552671', message: `with media ${i}` });
    ids.push(body.messageId);
  }
  return { userId, user, ids };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.awsEndpoint, forcePathStyle: true });
  const out = await s3.send(new ListObjectsV2Command({ Bucket: runtime.resources.bucket, Prefix: prefix }));
  s3.destroy();
  return (out.Contents ?? []).map((o) => o.Key!);
}
/** The user's stored images (one object per content). */
const objectsOf = (userId: string) => keysUnder(`${bucket.messageMediaPrefix}${encodeURIComponent(`user#${userId}`)}/`);

describe('message media', () => {
  it('attaches a raw image, links it with a presigned URL, and stores the same bytes once across messages', async () => {
    const { userId, user, ids } = await userWithMessages(2);
    const image = sampleImages.png('raw');
    const first = await user.request('POST', `/messages/${ids[0]}/media`, image, { 'content-type': 'image/png' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      mediaId: createHash('sha256').update(image).digest('hex'),
      contentType: 'image/png',
      sizeBytes: image.length,
      url: expect.any(String),
    });
    const download = await fetch(first.body.url);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(image);

    // Whatever the header claims, the bytes decide; the same bytes on another message are deduplicated.
    const again = await user.request('POST', `/messages/${ids[1]}/media`, image, { 'content-type': 'application/octet-stream' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ mediaId: first.body.mediaId, deduplicated: true });
    expect(await objectsOf(userId)).toHaveLength(1);

    const listed = await user.request('GET', `/messages/${ids[1]}/media`);
    expect(listed.body.items).toEqual([expect.objectContaining({ mediaId: first.body.mediaId, contentType: 'image/png' })]);
    expect((await user.request('GET', `/messages/${ids[1]}`)).body.media).toEqual(
      listed.body.items.map((m: object) => expect.objectContaining({ mediaId: (m as { mediaId: string }).mediaId })),
    );
  });

  it('takes a multipart/form-data body with one file part', async () => {
    const { user, ids } = await userWithMessages(1);
    const form = new FormData();
    form.append('file', new Blob([sampleImages.gif('multipart')], { type: 'image/gif' }), 'picture.gif');
    const response = await user.request('POST', `/messages/${ids[0]}/media`, form);
    expect(response.status).toBe(201);
    expect(response.body.contentType).toBe('image/gif');

    const two = new FormData();
    two.append('file', new Blob([sampleImages.png('a')]), 'a.png');
    two.append('file', new Blob([sampleImages.png('b')]), 'b.png');
    expect((await user.request('POST', `/messages/${ids[0]}/media`, two)).status).toBe(400);
    const none = new FormData();
    none.append('picture', new Blob([sampleImages.png('c')]), 'c.png');
    expect((await user.request('POST', `/messages/${ids[0]}/media`, none)).status).toBe(400);
  });

  it('stores one object and one record for ten concurrent identical uploads', async () => {
    const { userId, user, ids } = await userWithMessages(2);
    const image = sampleImages.jpeg('concurrent');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => user.request('POST', `/messages/${ids[i % 2]}/media`, image, { 'content-type': 'image/jpeg' })),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(9);
    expect(new Set(responses.map((r) => r.body.mediaId)).size).toBe(1);
    expect(await objectsOf(userId)).toHaveLength(1);
    for (const id of ids) expect((await user.request('GET', `/messages/${id}/media`)).body.items).toHaveLength(1);
  });

  it('refuses what is not a whole image of at most 5 MB, writing nothing', async () => {
    const { userId, user, ids } = await userWithMessages(1);
    const path = `/messages/${ids[0]}/media`;
    const png = sampleImages.png('bad');
    const cases: Array<[string, Uint8Array, string, number]> = [
      ['a text file renamed .png', Buffer.from('just some text'), 'image/png', 415],
      ['a PDF', Buffer.from('%PDF-1.7\n...'), 'application/pdf', 415],
      ['a truncated PNG', png.subarray(0, png.length - 10), 'image/png', 400],
      ['a 0-byte body', Buffer.alloc(0), 'image/png', 400],
      ['more than 5 MB', Buffer.concat([png, Buffer.alloc(5 * 1024 * 1024)]), 'image/png', 413],
    ];
    for (const [what, body, type, status] of cases) {
      const response = await user.request('POST', path, body, { 'content-type': type });
      expect(response.status, what).toBe(status);
      expect(response.body.error.message, what).toEqual(expect.any(String));
    }
    expect((await user.request('POST', '/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV/media', png, { 'content-type': 'image/png' })).status).toBe(404);
    expect(await objectsOf(userId)).toEqual([]);
    expect((await user.request('GET', path)).body.items).toEqual([]);
  });
});

const waitingUploads = (userId: string) => keysUnder(`${bucket.mediaUploadPrefix}${encodeURIComponent(`user#${userId}`)}/`);

/** Asks for a form for the message and posts `bytes` with it, as a browser or `curl -F` would; answers S3's status. */
async function postImage(user: ApiClient, messageId: string, bytes: Uint8Array): Promise<number> {
  const presign = await user.request('POST', `/messages/${messageId}/media/uploads`);
  expect(presign.status, presign.text).toBe(201);
  return (await postForm(presign.body, bytes, 'picture.png')).status;
}

/** Waits until the consumer has handled (and so deleted) every image the user posted. */
const handled = (userId: string) =>
  eventually(async () => ((await waitingUploads(userId)).length === 0 ? true : undefined), 20_000, 'the posted images handled');

/** A whole PNG of `size` bytes: its text chunk pads it out. */
function pngOfSize(size: number): Buffer {
  const base = sampleImages.png('x');
  return sampleImages.png('x'.repeat(size - base.length + 1));
}

describe('POST /messages/{id}/media/uploads', () => {
  it("answers a presigned form for one image of the caller's message, at most 5 MB, under a key naming the user and message", async () => {
    const { userId, user, ids } = await userWithMessages(1);
    const { status, body } = await user.request('POST', `/messages/${ids[0]}/media/uploads`);
    expect(status).toBe(201);
    expect(body).toEqual({
      uploadId: expect.stringMatching(/^[0-9A-Z]{26}$/),
      url: expect.any(String),
      fields: expect.objectContaining({ key: `${bucket.mediaUploadPrefix}${encodeURIComponent(`user#${userId}`)}/${ids[0]}/${body.uploadId}` }),
      expiresAt: expect.any(String),
      maxBytes: 5 * 1024 * 1024,
    });
    const ttl = Date.parse(body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5 * 60 * 1000);
    const policy = JSON.parse(Buffer.from(body.fields.Policy, 'base64').toString('utf8'));
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 5 * 1024 * 1024]);
  });

  it("answers 404 for another user's message and one that does not exist, and 400 for a malformed id", async () => {
    const { ids } = await userWithMessages(1);
    const other = api.as(await runtime.token(`user-${randomUUID()}`));
    expect((await other.request('POST', `/messages/${ids[0]}/media/uploads`)).status).toBe(404);
    expect((await other.request('POST', '/messages/01ARZ3NDEKTSV4RRFFQ69G5FAV/media/uploads')).status).toBe(404);
    expect((await other.request('POST', '/messages/not-an-id/media/uploads')).status).toBe(400);
  });

  it('attaches a 4.9 MB PNG posted with the form, lists it under the message, and deletes the posted object', async () => {
    const { userId, user, ids } = await userWithMessages(1);
    const image = pngOfSize(4_900_000);
    expect(image.length).toBe(4_900_000);
    expect(await postImage(user, ids[0]!, image)).toBe(204);

    const mediaId = createHash('sha256').update(image).digest('hex');
    const listed = await eventually(async () => {
      const { body } = await user.request('GET', `/messages/${ids[0]}/media`);
      return body.items.length > 0 ? body.items : undefined;
    });
    expect(listed).toEqual([{ mediaId, contentType: 'image/png', sizeBytes: image.length, url: expect.any(String) }]);
    expect(Buffer.from(await (await fetch(listed[0].url)).arrayBuffer())).toEqual(image);
    await handled(userId);
    expect(await objectsOf(userId)).toEqual([`${bucket.messageMediaPrefix}${encodeURIComponent(`user#${userId}`)}/${mediaId}`]);
  });

  it('drops a non-image renamed .png, a truncated image and an empty file, attaching and keeping nothing', async () => {
    const { userId, user, ids } = await userWithMessages(1);
    const png = sampleImages.png('cut');
    expect(await postImage(user, ids[0]!, Buffer.from('just some text, named picture.png'))).toBe(204);
    expect(await postImage(user, ids[0]!, png.subarray(0, png.length - 10))).toBe(204);
    // S3 itself refuses an empty file and one over 5 MB: the policy's content-length-range.
    expect(await postImage(user, ids[0]!, Buffer.alloc(0))).toBe(400);
    expect(await postImage(user, ids[0]!, Buffer.concat([png, Buffer.alloc(5 * 1024 * 1024)]))).toBe(400);
    await handled(userId);
    expect(await objectsOf(userId)).toEqual([]);
    expect((await user.request('GET', `/messages/${ids[0]}/media`)).body.items).toEqual([]);
    expect((await user.request('GET', `/messages/${ids[0]}`)).body.media).toEqual([]);
  });

  it('stores two identical images posted at once as one object and one record, attached to both messages', async () => {
    const { userId, user, ids } = await userWithMessages(2);
    const image = sampleImages.jpeg(`twice ${randomUUID()}`);
    expect(await Promise.all(ids.map((id) => postImage(user, id, image)))).toEqual([204, 204]);
    const mediaId = createHash('sha256').update(image).digest('hex');
    for (const id of ids) {
      await eventually(async () => ((await user.request('GET', `/messages/${id}/media`)).body.items.length > 0 ? true : undefined));
      expect((await user.request('GET', `/messages/${id}/media`)).body.items).toEqual([expect.objectContaining({ mediaId, contentType: 'image/jpeg' })]);
    }
    await handled(userId);
    expect(await objectsOf(userId)).toHaveLength(1);
    // The raw-body route finds the same record: the content is the user's already.
    const again = await user.request('POST', `/messages/${ids[0]}/media`, image, { 'content-type': 'image/jpeg' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ mediaId, deduplicated: true });
  });
});

describe('inbound messages from Twilio', () => {
  it('keeps them in the message store under the unclaimed To number, processed, and visible to no user', async () => {
    const from = freshNumber();
    const to = '+14155552699';
    for (const body of ['Hello from a customer', 'Hello from a customer']) {
      expect(await runtime.simulator.sendInbound(`${runtime.publicBaseUrl}/twilio/incoming`, { from, to, body })).toMatchObject({ status: 200 });
    }
    const dynamo = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint }),
    );
    const items = await eventually(async () => {
      const out = await dynamo.send(
        new QueryCommand({
          TableName: tables.messages.name,
          IndexName: 'byFromStatus',
          KeyConditionExpression: 'fromStatusKey = :k',
          ExpressionAttributeValues: { ':k': `unclaimed#${to}#${from}#processed` },
        }),
      );
      return out.Items?.length === 2 ? out.Items : undefined;
    });
    dynamo.destroy();
    // Two webhooks, two MessageSids: two messages, each processed once.
    expect(items.map((i) => i.source)).toEqual(['twilio', 'twilio']);
    expect(new Set(items.map((i) => i.messageSid)).size).toBe(2);
    const stranger = await newUser();
    expect((await stranger.request('GET', `/messages?from=${encodeURIComponent(from)}`)).body.items).toEqual([]);
  });
});

describe('GET /metrics', () => {
  it("reports the caller's processed total and average from running sums, and every queue's depth", async () => {
    const user = await newUser();
    const empty = await user.request('GET', '/metrics');
    expect(empty.status).toBe(200);
    expect(empty.body.messages).toMatchObject({ totalProcessed: 0, avgProcessingMs: null, queueSize: expect.any(Number) });
    expect(empty.body.notifications).toEqual({ sentToday: 0, failedLast24h: 0, scheduled: 0 });

    for (const text of ['one', 'two', 'three']) await user.request('POST', '/messages', { from: freshNumber(), to: '+14155552671', message: text });
    const metrics = await eventually(async () => {
      const { body } = await user.request('GET', '/metrics');
      return body.messages.totalProcessed === 3 ? body : undefined;
    });
    expect(metrics.messages.avgProcessingMs).toBeGreaterThanOrEqual(0);
    expect(Object.keys(metrics.queues).sort()).toEqual(
      Object.values(queues)
        .flatMap((q) => [q.name, `${q.name}-dlq`])
        .sort(),
    );
    for (const depth of Object.values(metrics.queues)) expect(depth).toEqual({ visible: expect.any(Number), inFlight: expect.any(Number) });
  });
});
