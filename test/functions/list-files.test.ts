import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { DynamoFileRepository } from '../../shared/adapters/dynamo-file-repository-adapter.ts';
import { objectKeyFor } from '../../shared/domain/files.ts';
import { newId } from '../../shared/domain/ids.ts';
import type { FileRecord } from '../../shared/ports.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let dynamo: DynamoDBClient;
let files: DynamoFileRepository;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', callbackDelaysMs: { sent: 5, delivered: 10 } });
  api = new ApiClient(runtime.url);
  dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint });
  files = new DynamoFileRepository(runtime.resources.tableNames.files, DynamoDBDocumentClient.from(dynamo));
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

async function signIn(userId = `user-${randomUUID()}`) {
  return Object.assign(api.as(await runtime.token(userId)), { userId });
}

/** Records files as the rule-matcher would, without the round trip through S3 and the queue. */
async function seed(userId: string, specs: Array<{ fileName: string; tags?: string[]; uploadedAt: string }>): Promise<FileRecord[]> {
  const records = specs.map(({ fileName, tags = [], uploadedAt }) => {
    const fileId = newId();
    const dot = fileName.lastIndexOf('.');
    return {
      userId,
      fileId,
      fileName,
      fileType: dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '',
      contentType: 'application/pdf',
      sizeBytes: 10,
      tags,
      uploadedAt,
      objectKey: objectKeyFor(userId, fileId),
    };
  });
  for (const record of records) await files.recordFile(record);
  return records;
}

const ids = (body: { items: Array<{ fileId: string }> }) => body.items.map((f) => f.fileId);

describe('GET /files', () => {
  it('lists an uploaded file as FileMetadata with a working, short-lived download link', async () => {
    const user = await signIn();
    const { fileId } = await user.upload({ fileName: 'Contract.PDF', contentType: 'application/pdf', content: 'x'.repeat(300), tags: ['legal'] });
    const listed = await eventually(
      async () => {
        const { body } = await user.request('GET', '/files');
        return body.items.length === 1 ? body : undefined;
      },
      10_000,
      'the upload to be listed',
    );

    expect(listed.nextCursor).toBeNull();
    const [file] = listed.items;
    expect(Object.keys(file).sort()).toEqual(['contentType', 'downloadUrl', 'fileId', 'fileName', 'fileType', 'sizeBytes', 'tags', 'uploadedAt']);
    expect(file).toMatchObject({ fileId, fileName: 'Contract.PDF', fileType: 'pdf', contentType: 'application/pdf', sizeBytes: 300, tags: ['legal'] });
    const { downloadUrl, ...rest } = file;
    const single = await user.request('GET', `/files/${fileId}`);
    expect(single.body).toMatchObject(rest);
    expect(Number(new URL(downloadUrl).searchParams.get('X-Amz-Expires'))).toBe(900);
    expect((await fetch(downloadUrl)).status).toBe(200);

    for (const query of ['name=contr', 'tag=legal', 'type=PDF', `from=${file.uploadedAt}&to=${file.uploadedAt}`]) {
      expect(ids((await user.request('GET', `/files?${query}`)).body)).toEqual([fileId]);
    }
  });

  it('filters by name prefix, tag, type and upload time, alone or together, newest first', async () => {
    const user = await signIn();
    const [jan, feb, mar, apr] = await seed(user.userId, [
      { fileName: 'Invoice-001.pdf', tags: ['finance'], uploadedAt: '2026-01-15T10:00:00.000Z' },
      { fileName: 'invoice-002.csv', tags: ['finance', 'q1'], uploadedAt: '2026-02-15T10:00:00.000Z' },
      { fileName: 'holiday.jpg', tags: ['personal'], uploadedAt: '2026-03-15T10:00:00.000Z' },
      { fileName: 'INVOICE-003.pdf', tags: ['finance'], uploadedAt: '2026-04-15T10:00:00.000Z' },
    ]);
    const cases: Array<[string, FileRecord[]]> = [
      ['', [apr!, mar!, feb!, jan!]],
      ['name=invoice', [apr!, feb!, jan!]],
      ['name=INVOICE-00', [apr!, feb!, jan!]],
      ['name=h', [mar!]],
      ['tag=finance', [apr!, feb!, jan!]],
      ['tag=Finance', []],
      ['type=pdf', [apr!, jan!]],
      ['from=2026-02-01&to=2026-03-31', [mar!, feb!]],
      ['to=2026-01-15', [jan!]],
      ['from=2026-04-15T10:00:00Z', [apr!]],
      ['from=2026-04-15T10:00:00.001Z', []],
      ['name=inv&tag=finance&type=pdf&from=2026-01-01&to=2026-03-01', [jan!]],
      ['name=&tag=&type=', [apr!, mar!, feb!, jan!]],
    ];
    for (const [query, want] of cases) {
      const { status, body } = await user.request('GET', `/files?${query}`);
      expect(status, query).toBe(200);
      expect(ids(body), query).toEqual(want.map((f) => f.fileId));
    }
  });

  it('pages with a cursor bound to the filters: a cursor from another query is refused', async () => {
    const user = await signIn();
    const seeded = await seed(
      user.userId,
      Array.from({ length: 7 }, (_, i) => ({ fileName: `page-${i}.txt`, tags: ['p'], uploadedAt: new Date(Date.UTC(2026, 0, 1, i)).toISOString() })),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/files?tag=p&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { status, body } = await user.request('GET', path);
      expect(status).toBe(200);
      seen.push(...ids(body));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(seeded.map((f) => f.fileId).reverse());

    const first = await user.request('GET', '/files?tag=p&limit=3');
    const other = await user.request('GET', `/files?tag=q&limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe('INVALID_CURSOR');
    const forged = await user.request('GET', '/files?cursor=eyJwayI6ImJvYiJ9.AAAA');
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('INVALID_CURSOR');
  });

  it.each([
    ['from=yesterday', /from must be an ISO-8601/],
    ['to=2026-02-30', /to must be an ISO-8601/],
    ['from=2026-01-31T10:00:00', /from must be an ISO-8601/],
    ['from=2026-03-01&to=2026-02-01', /from must not be after to/],
    ['limit=0', /limit/],
    ['limit=101', /limit/],
    [`tag=${'t'.repeat(51)}`, /tag/],
    ['owner=someone-else', /owner/],
  ])('answers 400 VALIDATION_ERROR to %s with a message a person can act on', async (query, message) => {
    const user = await signIn();
    const { status, body } = await user.request('GET', `/files?${query}`);
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.message).toMatch(message);
  });

  it('routes /files and /files/{fileId} to their own functions', async () => {
    expect(runtime.routes['GET /files']).toBe('list-files');
    expect(runtime.routes['GET /files/{fileId}']).toBe('get-file');
    const user = await signIn();
    expect((await user.request('GET', '/files/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
    expect((await user.request('GET', '/files')).body).toEqual({ items: [], nextCursor: null });
    expect((await api.request('GET', '/files')).status).toBe(401);
  });
});

describe('GET /files/{fileId}', () => {
  it('includes the file’s notifications, each with its status history', async () => {
    const user = await signIn();
    const rule = await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550123' });
    const { fileId } = await user.upload({ fileName: 'history.txt', contentType: 'text/plain', content: 'h' });
    const file = await eventually(
      async () => {
        const { body } = await user.request('GET', `/files/${fileId}`);
        return body?.notifications?.[0]?.status === 'delivered' ? body : undefined;
      },
      15_000,
      'the notification to be delivered',
    );

    expect(file.notifications).toHaveLength(1);
    const [notification] = file.notifications;
    expect(notification).toMatchObject({ fileId, ruleId: rule.body.ruleId, channel: 'sms', status: 'delivered' });
    const statuses = notification.history.map((h: { status: string }) => h.status);
    expect(statuses[0]).toBe('pending');
    expect(statuses.at(-1)).toBe('delivered');
    expect(statuses).toContain('sent');
    const times = notification.history.map((h: { at: string }) => h.at);
    expect([...times].sort()).toEqual(times);
  });
});
