/**
 * Attacks on the local runtime, class by class, as an attacker would try them. Each attempt is
 * counted: tried, answered 5xx, wrote data, accepted while forged. Every goal is 0; the counts
 * are printed at the end, so a CI log shows them.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { bucket } from '../../shared/topology.ts';
import { DynamoNotificationRepository } from '../../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoOptOutRepository } from '../../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { twilioSignature } from '../../shared/adapters/twilio-signature.ts';
import type { NotificationRecord } from '../../shared/ports.ts';
import { pendingNotificationRecord } from '../support/fixtures.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let user: ApiClient;
let userId: string;
let s3: S3Client;
let dynamo: DynamoDBClient;
let notifications: DynamoNotificationRepository;
let optOuts: DynamoOptOutRepository;

interface Tally {
  tried: number;
  serverErrors: number;
  wroteData: number;
  acceptedForged: number;
}
const tallies = new Map<string, Tally>();

/** Counts one attempt of `attackClass`: its status, and whether it wrote data or was accepted though forged. */
function record(attackClass: string, status: number, outcome: { wrote?: boolean; accepted?: boolean } = {}): void {
  const tally = tallies.get(attackClass) ?? { tried: 0, serverErrors: 0, wroteData: 0, acceptedForged: 0 };
  tally.tried += 1;
  if (status >= 500) tally.serverErrors += 1;
  if (outcome.wrote) tally.wroteData += 1;
  if (outcome.accepted) tally.acceptedForged += 1;
  tallies.set(attackClass, tally);
}

function expectClean(attackClass: string, atLeast: number): void {
  const tally = tallies.get(attackClass)!;
  expect(tally.tried).toBeGreaterThanOrEqual(atLeast);
  expect({ serverErrors: tally.serverErrors, wroteData: tally.wroteData, acceptedForged: tally.acceptedForged }).toEqual({
    serverErrors: 0,
    wroteData: 0,
    acceptedForged: 0,
  });
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', callbackDelaysMs: { sent: 5, delivered: 10 } });
  api = new ApiClient(runtime.url);
  userId = `victim-${randomUUID()}`;
  user = api.as(await runtime.token(userId));
  s3 = new S3Client({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.awsEndpoint, forcePathStyle: true });
  dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint });
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  notifications = new DynamoNotificationRepository(runtime.resources.tableNames.notifications, documents);
  optOuts = new DynamoOptOutRepository(runtime.resources.tableNames.state, documents);
});

afterAll(async () => {
  if (tallies.size > 0) {
    const rows = [...tallies].map(
      ([attackClass, t]) =>
        `${attackClass.padEnd(28)} ${String(t.tried).padStart(5)} ${String(t.serverErrors).padStart(5)} ${String(t.wroteData).padStart(6)} ${String(t.acceptedForged).padStart(9)}`,
    );
    const total = [...tallies.values()].reduce((a, t) => a + t.tried, 0);
    console.log(['attack class                 tried   5xx  wrote  accepted', ...rows, `total tried: ${total}`].join('\n'));
  }
  s3?.destroy();
  dynamo?.destroy();
  await runtime?.stop();
});

/** A request through node:http, which lets the attacker set Host and any other header. */
function raw(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string }> {
  const port = Number(new URL(runtime.url).port);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const postForm = (path: string, pairs: Array<[string, string]>, signature?: string) =>
  fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
    body: new URLSearchParams(pairs).toString(),
  });

const asParams = (pairs: Array<[string, string]>) => {
  const params: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) params[k] = k in params ? [params[k]!, v].flat() : v;
  return params;
};
const sign = (path: string, pairs: Array<[string, string]>, token = runtime.twilio.authToken, url = `${runtime.publicBaseUrl}${path}`) =>
  twilioSignature(token, url, asParams(pairs));

async function queuedNotification(): Promise<NotificationRecord> {
  const at = '2026-01-01T00:00:00.000Z';
  const n = pendingNotificationRecord({ attempts: 1, createdAt: at });
  await notifications.createIfAbsent(n);
  await notifications.advance(n.userId, n.notificationId, { status: 'queued', at, messageSid: `SM${randomUUID().replace(/-/g, '')}` });
  return (await notifications.get(n.userId, n.notificationId))!;
}

describe('forged and replayed Twilio webhooks', () => {
  it('changes nothing for an unsigned, wrongly signed, re-targeted or value-swapped status callback', async () => {
    const n = await queuedNotification();
    const callback = (status: string): Array<[string, string]> => [
      ['MessageSid', n.messageSid!],
      ['MessageStatus', status],
      ['AccountSid', runtime.twilio.accountSid],
      ['To', n.target],
    ];
    const attempts: Array<() => Promise<Response>> = [
      () => postForm('/twilio/status', callback('delivered')),
      () => postForm('/twilio/status', callback('delivered'), sign('/twilio/status', callback('delivered'), 'not-the-token')),
      () =>
        postForm('/twilio/status', callback('delivered'), sign('/twilio/status', callback('delivered'), undefined, 'https://elsewhere.example/twilio/status')),
      () => postForm('/twilio/status', callback('undelivered'), sign('/twilio/status', callback('delivered'))),
      () =>
        postForm(
          '/twilio/status',
          [...callback('undelivered'), ['MessageStatus', 'sent']],
          sign('/twilio/status', [...callback('sent'), ['MessageStatus', 'undelivered']]),
        ),
      () => postForm('/twilio/status?n=other', callback('delivered'), sign('/twilio/status', callback('delivered'))),
      () =>
        fetch(`${runtime.url}/twilio/status`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-twilio-signature': sign('/twilio/status', []) },
          body: JSON.stringify({ MessageSid: n.messageSid, MessageStatus: 'delivered' }),
        }),
    ];
    for (const attempt of attempts) {
      const response = await attempt();
      const after = await notifications.get(n.userId, n.notificationId);
      record('forged webhooks', response.status, { wrote: JSON.stringify(after) !== JSON.stringify(n), accepted: response.ok });
    }
    expectClean('forged webhooks', attempts.length);
  });

  it('changes nothing for an unsigned inbound STOP, and a replayed START cannot undo a later STOP', async () => {
    const from = `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    const inbound = (sid: string, body: string): Array<[string, string]> => [
      ['MessageSid', sid],
      ['AccountSid', runtime.twilio.accountSid],
      ['From', from],
      ['To', runtime.twilio.fromNumber],
      ['Body', body],
      ['NumMedia', '0'],
    ];
    const unsigned = await postForm('/twilio/incoming', inbound('SMunsigned', 'STOP'));
    record('forged webhooks', unsigned.status, { wrote: (await optOuts.get(from)) !== undefined, accepted: unsigned.ok });

    // The real sequence, signed as Twilio signs it: START, then STOP later.
    const start = inbound(`SM${randomUUID().replace(/-/g, '')}`, 'START');
    expect((await postForm('/twilio/incoming', start, sign('/twilio/incoming', start))).status).toBe(200);
    const stop = inbound(`SM${randomUUID().replace(/-/g, '')}`, 'STOP');
    await new Promise((r) => setTimeout(r, 5));
    expect((await postForm('/twilio/incoming', stop, sign('/twilio/incoming', stop))).status).toBe(200);
    expect(await optOuts.get(from)).toBeDefined();
    // The attacker replays the captured START.
    const replay = await postForm('/twilio/incoming', start, sign('/twilio/incoming', start));
    record('replayed keywords', replay.status, { wrote: (await optOuts.get(from)) === undefined });
    expectClean('replayed keywords', 1);
  });
});

describe('the local front from another site (DNS rebinding, CSRF)', () => {
  it('mints no token and runs nothing for a foreign Host, a foreign Origin or a non-JSON body', async () => {
    const token = JSON.stringify({ userId: 'mallory' });
    const attempts: Array<[string, string, Record<string, string>, string]> = [
      ['POST', '/local/token', { host: 'rebind.evil.example:80', 'content-type': 'application/json' }, token],
      ['POST', '/local/token', { host: `localhost:${new URL(runtime.url).port}`, 'content-type': 'text/plain' }, token],
      ['POST', '/local/token', { host: `localhost:${new URL(runtime.url).port}`, 'content-type': 'application/x-www-form-urlencoded' }, 'userId=mallory'],
      ['POST', '/local/token', { host: `localhost:${new URL(runtime.url).port}`, 'content-type': 'application/json', origin: 'https://evil.example' }, token],
      ['POST', '/local/twilio/faults', { host: 'rebind.evil.example', 'content-type': 'application/json' }, '{"errorRate5xx":1}'],
      ['POST', '/local/twilio/faults', { host: `localhost:${new URL(runtime.url).port}`, 'content-type': 'text/plain' }, '{"errorRate5xx":1}'],
      ['POST', '/local/schedules/reconcile', { host: `localhost:${new URL(runtime.url).port}`, origin: 'https://evil.example' }, ''],
      ['GET', '/rules', { host: 'rebind.evil.example', authorization: `Bearer ${await runtime.token('mallory')}` }, ''],
      ['GET', '/health', { host: '169.254.169.254' }, ''],
    ];
    for (const [method, path, headers, body] of attempts) {
      const answer = await raw(method, path, headers, body);
      const faults = (await api.request('GET', '/local/twilio/faults')).body;
      record('local front cross-site', answer.status, { wrote: faults.errorRate5xx !== 0, accepted: answer.status < 300 });
    }
    expectClean('local front cross-site', attempts.length);
  });

  it('refuses forged and unexpiring tokens', async () => {
    const [header, payload] = (await runtime.token('mallory')).split('.');
    const unsigned = `${header}.${payload}.`;
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ sub: userId, iss: 'twilio-notifications-local', aud: 'local-api' })).toString('base64url')}.${'A'.repeat(43)}`;
    for (const token of [unsigned, none, tampered, 'garbage']) {
      const answer = await api.as(token).request('GET', '/rules');
      record('forged tokens', answer.status, { accepted: answer.status < 300 });
    }
    expectClean('forged tokens', 4);
  });
});

describe('JSON routes sent a cross-site body', () => {
  it('answers 415 and writes nothing', async () => {
    const before = (await user.request('GET', '/rules')).body.items.length;
    const rule = JSON.stringify({ eventType: 'file_upload', notifyVia: 'sms', target: '+14155550100' });
    const attempts: Array<[string, string, string, string]> = [
      ['POST', '/rules', 'text/plain', rule],
      ['POST', '/rules', 'application/x-www-form-urlencoded', rule],
      ['POST', '/rules', 'multipart/form-data; boundary=x', rule],
      ['POST', '/templates', 'text/plain', JSON.stringify({ name: 'x', body: 'hi' })],
      ['PUT', '/settings', 'text/plain', JSON.stringify({ dedupWindowSeconds: 1 })],
      ['POST', '/uploads', 'text/plain', JSON.stringify({ fileName: 'a.pdf', contentType: 'application/pdf', size: 1 })],
    ];
    for (const [method, path, type, body] of attempts) {
      const answer = await user.request(method, path, body, { 'content-type': type });
      const after = (await user.request('GET', '/rules')).body.items.length;
      record('non-JSON bodies', answer.status, { wrote: after !== before, accepted: answer.status < 300 });
    }
    expectClean('non-JSON bodies', attempts.length);
  });
});

describe('presigned POST policy breaches', () => {
  it('stores nothing for an upload outside its policy', async () => {
    const changes: Array<[string, (f: Record<string, string>) => Record<string, string>, number]> = [
      ['oversize', (f) => f, 11],
      ['other key', (f) => ({ ...f, key: `uploads/${encodeURIComponent('someone-else')}/${randomUUID()}` }), 10],
      ['other type', (f) => ({ ...f, 'Content-Type': 'text/html' }), 10],
      ['zeroed signature', (f) => ({ ...f, 'X-Amz-Signature': '0'.repeat(64) }), 10],
      ['no signature', (f) => Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'X-Amz-Signature')), 10],
      ['extra field', (f) => ({ ...f, 'x-amz-meta-owner': 'mallory' }), 10],
      ['no policy', (f) => Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'Policy')), 10],
    ];
    for (const [, change, size] of changes) {
      const presigned = (await user.request('POST', '/uploads', { fileName: 'a.pdf', contentType: 'application/pdf', size: 10 })).body;
      const fields = change({ ...presigned.fields });
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('file', new Blob([Buffer.alloc(size, 1)], { type: 'application/pdf' }), 'a.pdf');
      const answer = await fetch(presigned.url, { method: 'POST', body: form });
      await answer.text();
      const wrote = (await exists(presigned.fields.key)) || (fields.key !== undefined && (await exists(fields.key)));
      record('upload policy', answer.status, { wrote, accepted: answer.ok });
    }
    expectClean('upload policy', changes.length);
  });
});

async function exists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: runtime.resources.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

describe('SSRF through inbound MMS media', () => {
  it('copies nothing from loopback, link-local, private or non-media addresses', async () => {
    // A private object the attacker knows the key of: the victim's upload.
    const { fileId } = await user.upload({
      fileName: 'private.png',
      contentType: 'image/png',
      content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    });
    await eventually(async () => ((await user.request('GET', `/files/${fileId}`)).status === 200 ? true : undefined));
    const front = new URL(runtime.url);
    const key = `${bucket.prefix}${encodeURIComponent(userId)}/${fileId}`;
    const urls = [
      `${runtime.url}/local/s3/${runtime.resources.bucket}/${key}`,
      `http://127.0.0.1:${front.port}/local/s3/${runtime.resources.bucket}/${key}`,
      `${runtime.engines.awsEndpoint}/${runtime.resources.bucket}/${key}`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/x.png',
      `http://[::1]:${front.port}/health`,
      `${runtime.engines.dynamoEndpoint}/`,
      'https://api.twilio.com.evil.example/x.png',
    ];
    const mediaCount = async () =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: runtime.resources.bucket, Prefix: bucket.messageMediaPrefix }))).Contents ?? []).length +
      ((await s3.send(new ListObjectsV2Command({ Bucket: runtime.resources.bucket, Prefix: bucket.mediaPrefix }))).Contents ?? []).length;
    for (const url of urls) {
      const before = await mediaCount();
      const from = `+1415556${String(Math.floor(Math.random() * 9000) + 1000)}`;
      const answer = await api.request('POST', '/local/twilio/inbound', { from, to: runtime.twilio.fromNumber, body: 'pic', mediaUrls: [url] });
      record('SSRF media', answer.body?.status ?? answer.status, { wrote: (await mediaCount()) !== before });
    }
    expectClean('SSRF media', urls.length);
  });
});

describe('input hygiene', () => {
  it('refuses control and bidi-override characters in tags and templates, writing nothing', async () => {
    const rulesBefore = (await user.request('GET', '/rules')).body.items.length;
    const templatesBefore = (await user.request('GET', '/templates')).body.items.length;
    const attempts: Array<[string, string, unknown]> = [
      ['POST', '/uploads', { fileName: 'a.pdf', contentType: 'application/pdf', size: 1, tags: ['fin\u202Eance'] }],
      ['POST', '/uploads', { fileName: 'a.pdf', contentType: 'application/pdf', size: 1, tags: ['a\u0000b'] }],
      ['POST', '/uploads', { fileName: 'invoice\u202Efdp.exe', contentType: 'application/pdf', size: 1 }],
      ['POST', '/templates', { name: 'x', body: 'Pay \u202E{{fileName}}' }],
      ['POST', '/templates', { name: 'x\u001b[31m', body: 'Hi' }],
      ['POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550100', messageTemplate: 'New \u2066{{fileName}}' }],
      ['POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550100', messageTemplate: 'Bell \u0007' }],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await user.request(method, path, body);
      const wrote =
        (await user.request('GET', '/rules')).body.items.length !== rulesBefore ||
        (await user.request('GET', '/templates')).body.items.length !== templatesBefore ||
        answer.status < 300;
      record('input hygiene', answer.status, { wrote });
    }
    expectClean('input hygiene', attempts.length);
  });
});

describe('one client flooding the API', () => {
  it('is held to its own token bucket (429 with Retry-After), and another user is still served', async () => {
    const flooder = api.as(await runtime.token(`flooder-${randomUUID()}`));
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 300 }, () => flooder.request('GET', '/rules')));
    const seconds = (Date.now() - started) / 1000;
    for (const answer of answers) record('API flood', answer.status);
    // However fast the machine answers, the bucket admits its burst (100) plus its refill (20 a
    // second) over the flood, and a second's worth more at most (a schedule idle under a second is
    // moved on, not restarted); the rest is 429 with Retry-After.
    const admitted = answers.filter((a) => a.status === 200).length;
    expect(admitted).toBeLessThanOrEqual(100 + Math.ceil(20 * (seconds + 1)));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBe(answers.length - admitted);
    expect(limited.every((a) => Number(a.headers.get('retry-after')) >= 1)).toBe(true);
    expect((await user.request('GET', '/rules')).status).toBe(200);
    expectClean('API flood', 300);
  });
});

describe('costly patterns and oversize messages', () => {
  it('refuses patterns too costly to run on every upload', async () => {
    const patterns = [
      '(((.{0,10}){0,10}){0,10})',
      '(((.{0,10}){0,10}){0,10})(((.{0,10}){0,10}){0,10})',
      '[a-z]{0,1000}',
      '((((.{0,5}){0,5}){0,5}){0,5})',
      '(.{0,100}){0,10}',
      '((ab|a)(b|ba)){0,20}$',
    ];
    for (const fileNameRegex of patterns) {
      const answer = await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550100', fileNameRegex });
      record('costly patterns', answer.status, { wrote: answer.status === 201 });
    }
    expectClean('costly patterns', patterns.length);
  });

  it('the simulator refuses a body Twilio would refuse (over 1,600 characters)', async () => {
    const auth = `Basic ${Buffer.from(`${runtime.twilio.accountSid}:${runtime.twilio.authToken}`).toString('base64')}`;
    for (const length of [1_601, 20_000, 450_000]) {
      const answer = await fetch(`${runtime.url}/2010-04-01/Accounts/${runtime.twilio.accountSid}/Messages.json`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ To: '+14155550100', From: runtime.twilio.fromNumber, Body: 'x'.repeat(length) }).toString(),
      });
      const body = (await answer.json()) as { code?: number };
      record('oversize messages', answer.status, { accepted: answer.status === 201 || body.code !== 21617 });
    }
    expectClean('oversize messages', 3);
  });
});

describe('an upload form used again within its lifetime', () => {
  it('changes neither the recorded file nor its notifications, and its link never serves the replacing bytes', async () => {
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550177', fileNameRegex: '^contract' });
    const original = 'signed contract, version 1';
    const form = await user.upload({ fileName: 'contract.txt', contentType: 'text/plain', content: original });
    const listed = async () => ((await user.request('GET', `/notifications?fileId=${form.fileId}`)).body.items as unknown[]).length;
    await eventually(async () => ((await listed()) === 1 ? true : undefined), 20_000, 'the first notification');
    const before = (await user.request('GET', `/files/${form.fileId}`)).body;

    for (const replacement of ['forged contract, version 2', 'forged contract, a third and longer version']) {
      const again = new FormData();
      for (const [k, v] of Object.entries(form.fields)) again.append(k, v);
      again.append('file', new Blob([replacement], { type: 'text/plain' }), 'contract.txt');
      const stored = await fetch(form.url, { method: 'POST', body: again });
      // The object itself is replaced (S3 accepts the form until it expires); what the system recorded is not.
      const pinned = await eventually(
        async () => {
          const file = (await user.request('GET', `/files/${form.fileId}`)).body;
          return new URL(file.downloadUrl).searchParams.get('X-Amz-SignedHeaders')?.includes('if-match') ? file : undefined;
        },
        20_000,
        'the replacement to be seen',
      );
      const download = await fetch(pinned.downloadUrl);
      const served = download.ok ? await download.text() : '';
      const { downloadUrl: _a, notifications: _n, ...recordAfter } = pinned;
      const { downloadUrl: _b, notifications: _m, ...recordBefore } = before;
      record('reused upload form', stored.status, {
        wrote: JSON.stringify(recordAfter) !== JSON.stringify(recordBefore) || (await listed()) !== 1,
        accepted: served === replacement,
      });
    }
    const texts = (await api.request('GET', '/local/twilio/messages')).body.items.filter((m: { to: string }) => m.to === '+14155550177');
    expect(texts).toHaveLength(1);
    expectClean('reused upload form', 2);
  });
});

describe('costly targets', () => {
  it('refuses premium-rate and shared-cost numbers wherever a number is texted or called, naming the field', async () => {
    const premium = ['+19005550123', '+449098790123', '+448712345678'];
    for (const target of premium) {
      const rule = await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target });
      record('costly targets', rule.status, { wrote: rule.status < 300 });
      expect(rule.body.error?.details).toEqual([expect.objectContaining({ field: 'target', message: expect.stringMatching(/premium-rate number/) })]);
      const send = await user.request('POST', '/notifications', { to: target, body: 'hello' });
      record('costly targets', send.status, { wrote: send.status < 300 });
      expect(send.body.error?.details).toEqual([expect.objectContaining({ field: 'to', message: expect.stringMatching(/premium-rate number/) })]);
      const line = await user.request('POST', '/lines', { number: '+15005550006', forwardTo: target });
      record('costly targets', line.status, { wrote: line.status < 300 });
      expect(line.body.error?.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'forwardTo', message: expect.stringMatching(/premium-rate/) })]),
      );
    }
    const batch = await user.request('POST', '/notifications/batch', { items: premium.map((to) => ({ to, body: 'hello' })) });
    for (const result of batch.body.results as Array<{ status: number }>) record('costly targets', result.status, { wrote: result.status < 300 });
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([400, 400, 400]);
    expectClean('costly targets', 12);
  });
});
