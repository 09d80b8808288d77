import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { ApiClient } from '../../lib/local/api-client.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let dynamo: DynamoDBClient;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT' });
  api = new ApiClient(runtime.url);
  dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint });
  documents = DynamoDBDocumentClient.from(dynamo);
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

/** A client signed in as a fresh user, so every test starts with nothing. */
async function newUser(): Promise<ApiClient & { userId: string }> {
  const userId = `user-${randomUUID()}`;
  return Object.assign(api.as(await runtime.token(userId)), { userId });
}

const smsRule = (overrides: Record<string, unknown> = {}) => ({
  eventType: 'file_upload',
  fileType: 'pdf',
  notifyVia: 'sms',
  target: '+14155550100',
  ...overrides,
});

const upload = (overrides: Record<string, unknown> = {}) => ({ fileName: 'report.pdf', contentType: 'application/pdf', size: 1024, ...overrides });

/** Every item the user has in a table, read straight from the engine. */
async function itemsOf(table: 'files' | 'rules', userId: string) {
  const out = await documents.send(
    new QueryCommand({
      TableName: runtime.resources.tableNames[table],
      KeyConditionExpression: 'pk = :u',
      ExpressionAttributeValues: { ':u': userId },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

function expectError(response: { status: number; body: any }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(response.body.error.message.length).toBeGreaterThan(0);
  expect(JSON.stringify(response.body)).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

describe('POST /rules refuses bad input and writes nothing', () => {
  it.each([
    ['a malformed JSON body', '{"eventType": "file_upload",', /not valid JSON/],
    ['an empty body', '', /empty/],
    ['an unknown field', JSON.stringify(smsRule({ userId: 'mallory' })), /userId/],
    ['a phone target that is not a number', JSON.stringify(smsRule({ target: 'call me' })), /E\.164/],
    ['an email target for sms', JSON.stringify(smsRule({ target: 'a@example.com' })), /E\.164/],
    ['a phone target for email', JSON.stringify(smsRule({ notifyVia: 'email', target: '+14155550100' })), /email/],
    ['an unknown channel', JSON.stringify(smsRule({ notifyVia: 'pigeon' })), /notifyVia/],
    ['a wrong event type', JSON.stringify(smsRule({ eventType: 'file_delete' })), /eventType/],
    ['a negative minimum size', JSON.stringify(smsRule({ minSizeKb: -1 })), /minSizeKb/],
    ['a JSON array', '[]', /.+/],
  ])('answers 400 VALIDATION_ERROR to %s', async (_what, body, message) => {
    const user = await newUser();
    const before = await user.request('GET', '/rules');

    const response = await user.request('POST', '/rules', body, { 'content-type': 'application/json' });

    expectError(response, 400, 'VALIDATION_ERROR');
    expect(response.body.error.message).toMatch(message);
    expect((await user.request('GET', '/rules')).body).toEqual(before.body);
    expect(await itemsOf('rules', user.userId)).toEqual([]);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['no type', ''],
  ])('answers 415 UNSUPPORTED_MEDIA_TYPE to a JSON body sent as %s, and stores nothing', async (_what, contentType) => {
    const user = await newUser();
    const response = await user.request('POST', '/rules', JSON.stringify(smsRule()), { 'content-type': contentType });
    expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(response.body.error.message).toContain('application/json');
    expect(await itemsOf('rules', user.userId)).toEqual([]);
  });

  it('accepts application/json with a charset (control)', async () => {
    const user = await newUser();
    const response = await user.request('POST', '/rules', JSON.stringify(smsRule()), { 'content-type': 'application/json; charset=utf-8' });
    expect(response.status).toBe(201);
  });

  it('names the offending field in the error details', async () => {
    const user = await newUser();
    const response = await user.request('POST', '/rules', smsRule({ target: 'call me' }));
    expect(response.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'target' })]));
  });

  it('normalises a valid phone target to E.164 (control)', async () => {
    const user = await newUser();
    const response = await user.request('POST', '/rules', smsRule({ target: '+1 (415) 555-0100' }));
    expect(response.status).toBe(201);
    expect(response.body.target).toBe('+14155550100');
  });
});

describe('POST /uploads refuses bad input and writes nothing', () => {
  it.each([
    ['a file over 100 MiB', upload({ size: 100 * 1024 * 1024 + 1 }), /size/],
    ['a content type not on the list', upload({ contentType: 'application/x-msdownload' }), /contentType/],
    ['a file name with a path', upload({ fileName: '../x' }), /fileName/],
    ['a file name with a backslash', upload({ fileName: '..\\x' }), /fileName/],
    ['a file name of ..', upload({ fileName: '..' }), /fileName/],
    ['an empty file name', upload({ fileName: '' }), /fileName/],
    ['a zero size', upload({ size: 0 }), /size/],
    ['a fractional size', upload({ size: 1.5 }), /size/],
    ['eleven tags', upload({ tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }), /tags/],
    ['an unknown field', upload({ bucket: 'other' }), /bucket/],
  ])('answers 400 VALIDATION_ERROR to %s', async (_what, body, message) => {
    const user = await newUser();
    const response = await user.request('POST', '/uploads', body);
    expectError(response, 400, 'VALIDATION_ERROR');
    expect(response.body.error.message).toMatch(message);
    expect(await itemsOf('files', user.userId)).toEqual([]);
  });

  it('accepts exactly 100 MiB and records the intent (control)', async () => {
    const user = await newUser();
    const response = await user.request('POST', '/uploads', upload({ size: 100 * 1024 * 1024 }));
    expect(response.status).toBe(201);
    expect(await itemsOf('files', user.userId)).toHaveLength(1);
  });
});

describe('rules of other users, and missing rules', () => {
  it('answers 404 for another user’s rule exactly as for a missing one', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { body: rule } = await alice.request('POST', '/rules', smsRule());

    const missingId = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
    const others = await bob.request('GET', `/rules/${rule.ruleId}`);
    const missing = await bob.request('GET', `/rules/${missingId}`);

    expectError(others, 404, 'NOT_FOUND');
    expect(others.body).toEqual(JSON.parse(JSON.stringify(missing.body).replaceAll(missingId, rule.ruleId)));
  });

  it('lets no user change or delete another’s rule', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const { body: rule } = await alice.request('POST', '/rules', smsRule());

    expectError(await bob.request('PATCH', `/rules/${rule.ruleId}`, { isActive: false }), 404, 'NOT_FOUND');
    expectError(await bob.request('DELETE', `/rules/${rule.ruleId}`), 404, 'NOT_FOUND');
    expect((await alice.request('GET', `/rules/${rule.ruleId}`)).body).toEqual(rule);
  });
});

describe('PATCH /rules/{ruleId}', () => {
  it.each([
    ['a target that is no phone number', { target: 'nope' }, /E\.164/],
    ['a channel the target does not fit', { notifyVia: 'email' }, /email/],
    ['an empty patch', {}, /empty/],
    ['an unknown field', { ruleId: 'other' }, /ruleId/],
    ['a bad fileType', { fileType: '.pdf' }, /fileType/],
  ])('re-validates: refuses %s and leaves the rule as it was', async (_what, patch, message) => {
    const user = await newUser();
    const { body: rule } = await user.request('POST', '/rules', smsRule());

    const response = await user.request('PATCH', `/rules/${rule.ruleId}`, patch);

    expectError(response, 400, 'VALIDATION_ERROR');
    expect(response.body.error.message).toMatch(message);
    expect((await user.request('GET', `/rules/${rule.ruleId}`)).body).toEqual(rule);
  });

  it('applies a valid patch to the stored rule, keeping the rest (control)', async () => {
    const user = await newUser();
    const { body: rule } = await user.request('POST', '/rules', smsRule());
    const response = await user.request('PATCH', `/rules/${rule.ruleId}`, { notifyVia: 'email', target: 'Ops@Example.com', fileType: null });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ...rule, notifyVia: 'email', target: 'ops@example.com', fileType: null, updatedAt: expect.any(String) });
    expect(response.body.updatedAt > rule.updatedAt).toBe(true);
    expect((await user.request('GET', `/rules/${rule.ruleId}`)).body).toEqual(response.body);
  });
});

describe('DELETE /rules/{ruleId}', () => {
  it('answers 204, then 404 to the same delete, and the rule is gone', async () => {
    const user = await newUser();
    const { body: rule } = await user.request('POST', '/rules', smsRule());

    const first = await user.request('DELETE', `/rules/${rule.ruleId}`);
    expect(first.status).toBe(204);
    expect(first.text).toBe('');
    expectError(await user.request('DELETE', `/rules/${rule.ruleId}`), 404, 'NOT_FOUND');
    expectError(await user.request('GET', `/rules/${rule.ruleId}`), 404, 'NOT_FOUND');
    expect((await user.request('GET', '/rules')).body.items).toEqual([]);
  });
});

describe('GET /rules paging', () => {
  it.each([['limit=0'], ['limit=101'], ['limit=abc'], ['limit=2.5'], ['unknown=1']])('answers 400 to %s', async (query) => {
    const user = await newUser();
    expectError(await user.request('GET', `/rules?${query}`), 400, 'VALIDATION_ERROR');
  });

  it('answers 400 INVALID_CURSOR to a forged cursor', async () => {
    const user = await newUser();
    const forged = `${Buffer.from(JSON.stringify({ pk: user.userId, sk: 'x' })).toString('base64url')}.${Buffer.alloc(32).toString('base64url')}`;
    for (const cursor of [forged, 'not-a-cursor', 'a.b.c', '.']) {
      expectError(await user.request('GET', `/rules?cursor=${encodeURIComponent(cursor)}`), 400, 'INVALID_CURSOR');
    }
  });

  it('pages 25 rules ten at a time, newest first, each once, ending with a null cursor', async () => {
    const user = await newUser();
    const created: string[] = [];
    for (let i = 0; i < 25; i++) {
      const { status, body } = await user.request('POST', '/rules', smsRule({ target: `+1415555${String(1000 + i)}` }));
      expect(status).toBe(201);
      created.push(body.ruleId);
    }

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=10&cursor=${encodeURIComponent(cursor)}` : '?limit=10';
      const { status, body } = await user.request('GET', `/rules${query}`);
      expect(status).toBe(200);
      pages.push(body.items.map((r: { ruleId: string }) => r.ruleId));
      cursor = body.nextCursor;
      expect(cursor === null || typeof cursor === 'string').toBe(true);
    } while (cursor && pages.length < 10);

    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(cursor).toBeNull();
    expect(pages.flat()).toEqual([...created].reverse());
    expect(new Set(pages.flat()).size).toBe(25);
  });

  it('answers 400 to a user who presents another user’s cursor', async () => {
    const alice = await newUser();
    const bob = await newUser();
    for (let i = 0; i < 3; i++) await alice.request('POST', '/rules', smsRule());
    await bob.request('POST', '/rules', smsRule());

    const { body } = await alice.request('GET', '/rules?limit=1');
    expect(typeof body.nextCursor).toBe('string');
    const stolen = await bob.request('GET', `/rules?limit=1&cursor=${encodeURIComponent(body.nextCursor)}`);

    expectError(stolen, 400, 'INVALID_CURSOR');
    const own = await alice.request('GET', `/rules?limit=1&cursor=${encodeURIComponent(body.nextCursor)}`);
    expect(own.status).toBe(200);
  });

  it('answers 400 to a cursor used on another list', async () => {
    // A rules cursor is a key of the rules table; on /notifications it would start the page at an arbitrary key.
    const user = await newUser();
    for (let i = 0; i < 2; i++) await user.request('POST', '/rules', smsRule());
    const { body } = await user.request('GET', '/rules?limit=1');
    const elsewhere = await user.request('GET', `/notifications?limit=1&cursor=${encodeURIComponent(body.nextCursor)}`);
    expect(elsewhere.status).toBe(400);
  });
});

describe('authentication', () => {
  it('answers 401 to a request without a token', async () => {
    const anonymous = await api.request('POST', '/rules', smsRule());
    expectError({ ...anonymous, body: { error: anonymous.body.error } }, 401, 'UNAUTHORIZED');
    expect(anonymous.body.message).toBe('Unauthorized');
  });
});
