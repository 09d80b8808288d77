import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { functions } from '../../shared/function-specs.ts';
import { MAX_WAIT_SECONDS, SETTLE_MS } from '../../shared/domain/notification-feed.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', callbackDelaysMs: { sent: 5, delivered: 10 } });
  api = new ApiClient(runtime.url);
});

afterAll(async () => {
  await runtime?.stop();
});

async function signIn(userId = `user-${randomUUID()}`) {
  return Object.assign(api.as(await runtime.token(userId)), { userId });
}

async function longpoll(client: ApiClient, query: string) {
  const started = performance.now();
  const response = await client.request('GET', `/notifications/longpoll?${query}`);
  return { ...response, ms: performance.now() - started };
}

describe('GET /notifications/longpoll', () => {
  it('waits for a notification created after the cursor, answers with it, and hands it out once', async () => {
    const user = await signIn();
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550123' });
    const before = await user.upload({ fileName: 'before.txt', contentType: 'text/plain', content: 'b' });
    await eventually(async () => ((await user.request('GET', `/notifications?fileId=${before.fileId}`)).body.items.length === 1 ? true : undefined));

    const opened = await longpoll(user, 'timeout=0');
    expect(opened.status).toBe(200);
    expect(opened.body).toEqual({ items: [], cursor: expect.any(String) });

    const waiting = longpoll(user, `since=${encodeURIComponent(opened.body.cursor)}&timeout=20`);
    await new Promise((r) => setTimeout(r, 300));
    const { fileId } = await user.upload({ fileName: 'after.txt', contentType: 'text/plain', content: 'a' });
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect(answered.body.items.map((n: { fileId: string }) => n.fileId)).toEqual([fileId]);
    expect(answered.body.items[0]).toMatchObject({ channel: 'sms', target: '+14155550123', history: expect.any(Array) });
    expect(answered.body.items.map((n: { fileId: string }) => n.fileId)).not.toContain(before.fileId);
    // It answered once the notification settled, well before the timeout.
    expect(answered.ms).toBeLessThan(SETTLE_MS + 3_000);

    const again = await longpoll(user, `since=${encodeURIComponent(answered.body.cursor)}&timeout=0`);
    expect(again.body.items).toEqual([]);
    // The first cursor still answers at once: there is something newer than it.
    const replay = await longpoll(user, `since=${encodeURIComponent(opened.body.cursor)}&timeout=20`);
    expect(replay.ms).toBeLessThan(1_500);
    expect(replay.body.items.map((n: { fileId: string }) => n.fileId)).toEqual([fileId]);
  });

  it('answers with no items and a cursor when nothing arrives before the timeout', async () => {
    const user = await signIn();
    const opened = await longpoll(user, 'timeout=0');
    const waited = await longpoll(user, `since=${encodeURIComponent(opened.body.cursor)}&timeout=2`);
    expect(waited.status).toBe(200);
    expect(waited.body).toEqual({ items: [], cursor: expect.any(String) });
    expect(waited.ms).toBeGreaterThanOrEqual(1_900);
    expect(waited.ms).toBeLessThan(3_500);
  });

  it.each([
    ['timeout=26', /timeout must be at most 25/],
    ['timeout=-1', /timeout/],
    ['timeout=1.5', /timeout/],
    ['timeout=soon', /timeout/],
    ['limit=0', /limit/],
    ['userId=bob', /userId/],
  ])('answers 400 VALIDATION_ERROR to %s', async (query, message) => {
    const user = await signIn();
    const { status, body } = await user.request('GET', `/notifications/longpoll?${query}`);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(message) });
  });

  it('refuses a forged cursor, another user’s cursor and a list cursor as `since`', async () => {
    const alice = await signIn();
    const bob = await signIn();
    const alices = (await longpoll(alice, 'timeout=0')).body.cursor as string;
    const [payload, tag] = alices.split('.');
    const shifted = Buffer.from(JSON.stringify({ at: '2000-01-01T00:00:00.000Z' })).toString('base64url');
    await alice.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550123' });
    await alice.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550124' });
    const listCursor = (await alice.request('GET', '/rules?limit=1')).body.nextCursor as string;
    for (const [client, since] of [
      [bob, alices],
      [alice, `${shifted}.${tag}`],
      [alice, `${payload}.${tag}x`],
      [alice, listCursor],
      [alice, 'not-a-cursor'],
    ] as const) {
      const { status, body } = await client.request('GET', `/notifications/longpoll?since=${encodeURIComponent(since)}&timeout=0`);
      expect(status).toBe(400);
      expect(body.error.code).toBe('INVALID_CURSOR');
    }
  });

  it('fits API Gateway’s 30 s: waits at most 25 s in a function that may run 30 s', () => {
    expect(MAX_WAIT_SECONDS).toBeLessThanOrEqual(25);
    expect(functions['longpoll-notifications'].timeoutSeconds).toBeGreaterThanOrEqual(30);
    expect(runtime.routes['GET /notifications/longpoll']).toBe('longpoll-notifications');
    expect(runtime.routes['GET /notifications']).toBe('list-notifications');
  });
});
