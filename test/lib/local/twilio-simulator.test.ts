import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultConfigError, TwilioSimulator, type TwilioSimulatorOptions } from '../../../lib/local/twilio-simulator.ts';
import { listen, readBody } from '../../support/http.ts';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'simulator-test-auth-token';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const VALID_FROM = '+15005550006';
const VALID_TO = '+14155550100';

interface ReceivedWebhook {
  url: string;
  headers: IncomingMessage['headers'];
  params: Record<string, string>;
}

let sim: TwilioSimulator;
let apiServer: Server;
let apiBase: string;
let webhookServer: Server;
let webhookBase: string;
let received: ReceivedWebhook[];
let webhookStatus: number;
let storeDir: string;
let clock: Date;
let warnings: Array<{ message: string; details: Record<string, unknown> }>;

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

function newSimulator(overrides: Partial<TwilioSimulatorOptions> = {}): TwilioSimulator {
  return new TwilioSimulator({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    storeFile: join(storeDir, 'nested', 'twilio-messages.jsonl'),
    callbackDelaysMs: { sent: 1, delivered: 2 },
    now: () => clock,
    logger: { warn: (message, details) => warnings.push({ message, details }) },
    ...overrides,
  });
}

function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${apiBase}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: text === '' ? undefined : JSON.parse(text),
  };
}

async function sendMessage(fields: Record<string, string | string[]>, authorization = basicAuth(ACCOUNT_SID, AUTH_TOKEN)) {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
  }
  return call(MESSAGES_PATH, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
}

async function getApi(path: string) {
  return call(path, { headers: { authorization: basicAuth(ACCOUNT_SID, AUTH_TOKEN) } });
}

async function postFaults(faults: unknown) {
  return call('/local/twilio/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
}

function expectSignedForTwilio(webhook: ReceivedWebhook): void {
  const signature = webhook.headers['x-twilio-signature'];
  expect(typeof signature).toBe('string');
  expect(validateRequest(AUTH_TOKEN, signature as string, `${webhookBase}${webhook.url}`, webhook.params)).toBe(true);
}

beforeAll(async () => {
  apiServer = createServer(async (req, res) => {
    const body = await readBody(req);
    if (!(await sim.handle(req, res, body))) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'No such route' } }));
    }
  });
  webhookServer = createServer(async (req, res) => {
    const body = await readBody(req);
    received.push({
      url: req.url ?? '/',
      headers: req.headers,
      params: Object.fromEntries(new URLSearchParams(body.toString('utf8'))),
    });
    res.writeHead(webhookStatus, { 'Content-Type': 'text/xml' });
    res.end(webhookStatus === 200 ? '<?xml version="1.0" encoding="UTF-8"?><Response/>' : '');
  });
  apiBase = await listen(apiServer);
  webhookBase = await listen(webhookServer);
});

afterAll(async () => {
  await stop(apiServer);
  await stop(webhookServer);
});

beforeEach(() => {
  storeDir = mkdtempSync(join(tmpdir(), 'twilio-simulator-'));
  clock = new Date('2025-03-04T05:06:07.000Z');
  received = [];
  webhookStatus = 200;
  warnings = [];
  sim = newSimulator();
});

afterEach(async () => {
  await sim.close();
  rmSync(storeDir, { recursive: true, force: true });
});

describe('TwilioSimulator: sending messages', () => {
  it('answers 201 with a queued Message resource shaped like Twilio’s', async () => {
    const response = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'File report.pdf was uploaded' });

    expect(response.status).toBe(201);
    expect(response.contentType).toBe('application/json');
    const sid = response.body.sid as string;
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(response.body).toEqual({
      account_sid: ACCOUNT_SID,
      api_version: '2010-04-01',
      body: 'File report.pdf was uploaded',
      date_created: 'Tue, 04 Mar 2025 05:06:07 +0000',
      date_sent: null,
      date_updated: 'Tue, 04 Mar 2025 05:06:07 +0000',
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: VALID_FROM,
      messaging_service_sid: null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid,
      status: 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}/Media.json` },
      to: VALID_TO,
      uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`,
    });
  });

  it('counts media and segments, and accepts a messaging service instead of From', async () => {
    const response = await sendMessage({
      To: VALID_TO,
      MessagingServiceSid: `MG${'a'.repeat(32)}`,
      Body: 'x'.repeat(161),
      MediaUrl: ['https://example.com/a.png', 'https://example.com/b.jpg'],
    });

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ from: null, messaging_service_sid: `MG${'a'.repeat(32)}`, num_media: '2', num_segments: '1', status: 'accepted' });
    const textOnly = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'x'.repeat(161) });
    expect(textOnly.body.num_segments).toBe('2');
  });

  it.each([
    ['To', '+15005550001', 21211, "The 'To' number +15005550001 is not a valid phone number."],
    ['To', '+15005550002', 21612, "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number: +15005550006 via SMS."],
    ['To', '+15005550003', 21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003."],
    ['To', '+15005550004', 21610, 'Attempt to send to unsubscribed recipient'],
    ['To', '+15005550009', 21614, "'To' number +15005550009 is not a valid mobile number"],
    ['From', '+15005550001', 21212, "The 'From' number +15005550001 is not a valid phone number, shortcode, or alphanumeric sender ID."],
    [
      'From',
      '+15005550007',
      21606,
      "The 'From' phone number provided (+15005550007) is not a valid message-capable Twilio phone number for this destination/account.",
    ],
    ['From', '+15005550008', 21611, "This 'From' number (+15005550008) has exceeded the maximum number of queued messages."],
  ])('rejects the magic %s number %s with code %i', async (field, number, code, message) => {
    const fields = { To: VALID_TO, From: VALID_FROM, Body: 'hello', [field]: number };

    const response = await sendMessage(fields);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 });
    expect(sim.messages()).toMatchObject([{ to: fields.To, from: fields.From, status: 'failed', errorCode: code, accepted: false }]);
  });

  it('refuses a From number the account does not own with 21606, the test number and owned ones aside', async () => {
    await sim.close();
    sim = newSimulator({ ownedNumbers: ['+14155550999'] });
    expect((await sendMessage({ To: VALID_TO, From: '+14155550123', Body: 'hi' })).body).toMatchObject({ code: 21606, status: 400 });
    expect((await sendMessage({ To: VALID_TO, From: '+14155550999', Body: 'hi' })).status).toBe(201);
    expect((await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi' })).status).toBe(201);
    expect((await sendMessage({ To: VALID_TO, From: 'whatsapp:+14155550999', Body: 'hi' })).status).toBe(201);
  });

  it('refuses an alphanumeric sender to the US and Canada (21612), and accepts it elsewhere', async () => {
    expect((await sendMessage({ To: VALID_TO, From: 'MyCompany', Body: 'hi' })).body).toMatchObject({ code: 21612 });
    expect((await sendMessage({ To: '+447911123456', From: 'MyCompany', Body: 'hi' })).status).toBe(201);
  });

  it('names a message with media MM…, any other SM…', async () => {
    expect((await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi', MediaUrl: 'https://example.com/a.png' })).body.sid).toMatch(/^MM[0-9a-f]{32}$/);
    expect((await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi' })).body.sid).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it('accepts a body of exactly 1,600 characters (control for 21617)', async () => {
    expect((await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'é'.repeat(1600) })).status).toBe(201);
  });

  it('applies the magic numbers to whatsapp: addresses and accepts other whatsapp addresses', async () => {
    const rejected = await sendMessage({ To: 'whatsapp:+15005550001', From: `whatsapp:${VALID_FROM}`, Body: 'hi' });
    const accepted = await sendMessage({ To: `whatsapp:${VALID_TO}`, From: `whatsapp:${VALID_FROM}`, Body: 'hi' });

    expect(rejected.body.code).toBe(21211);
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ to: `whatsapp:${VALID_TO}`, from: `whatsapp:${VALID_FROM}` });
  });

  it.each([
    [{ From: VALID_FROM, Body: 'hi' }, 21604],
    [{ To: VALID_TO, From: VALID_FROM }, 21602],
    [{ To: VALID_TO, Body: 'hi' }, 21603],
    [{ To: 'not-a-number', From: VALID_FROM, Body: 'hi' }, 21211],
    [{ To: VALID_TO, From: VALID_FROM, Body: 'x'.repeat(1601) }, 21617],
  ])('rejects %o with code %i', async (fields, code) => {
    const response = await sendMessage(fields);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code, status: 400 });
  });

  it('answers 401 with Twilio’s Authenticate error for a wrong or missing token', async () => {
    const expected = { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 };
    const wrong = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi' }, basicAuth(ACCOUNT_SID, 'wrong'));
    const missing = await call(MESSAGES_PATH, { method: 'POST', body: new URLSearchParams({ To: VALID_TO }) });

    expect(wrong).toEqual({ status: 401, contentType: 'application/json', body: expected });
    expect(missing).toEqual({ status: 401, contentType: 'application/json', body: expected });
    expect(sim.messages()).toEqual([]);
  });

  it('answers 404 when the account in the path is not the authenticated one', async () => {
    const response = await call(`/2010-04-01/Accounts/AC${'f'.repeat(32)}/Messages.json`, {
      method: 'POST',
      headers: { authorization: basicAuth(ACCOUNT_SID, AUTH_TOKEN) },
      body: new URLSearchParams({ To: VALID_TO, From: VALID_FROM, Body: 'hi' }),
    });

    expect(response.status).toBe(404);
    expect(response.body.code).toBe(20404);
  });
});

describe('TwilioSimulator: status callbacks', () => {
  it('posts signed sent then delivered callbacks to the StatusCallback URL, query string included', async () => {
    const callbackUrl = `${webhookBase}/twilio/status?notificationId=n-1&attempt=2`;
    const response = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi', StatusCallback: callbackUrl });
    await sim.idle();

    expect(received.map((webhook) => webhook.params.MessageStatus)).toEqual(['sent', 'delivered']);
    for (const webhook of received) {
      expect(webhook.url).toBe('/twilio/status?notificationId=n-1&attempt=2');
      expectSignedForTwilio(webhook);
      expect(webhook.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(webhook.headers['user-agent']).toBe('TwilioProxy/1.1');
      expect(webhook.headers['i-twilio-idempotency-token']).toBeTruthy();
      expect(webhook.params).toEqual({
        AccountSid: ACCOUNT_SID,
        ApiVersion: '2010-04-01',
        From: VALID_FROM,
        To: VALID_TO,
        MessageSid: response.body.sid,
        SmsSid: response.body.sid,
        SmsStatus: webhook.params.MessageStatus,
        MessageStatus: webhook.params.MessageStatus,
        ...(webhook.params.MessageStatus === 'delivered' ? { RawDlrDoneDate: expect.stringMatching(/^\d{10}$/) } : {}),
      });
    }
    expect(received[1]?.params.RawDlrDoneDate).toBe('2503040506');
    expect(sim.messages()[0]?.status).toBe('delivered');
  });

  it('returns the message as it is now from GET, and 404 for an unknown sid', async () => {
    const created = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi' });
    await sim.idle();

    const fetched = await getApi(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${created.body.sid}.json`);
    const missing = await getApi(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/SM${'0'.repeat(32)}.json`);

    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ sid: created.body.sid, status: 'delivered', date_sent: 'Tue, 04 Mar 2025 05:06:07 +0000' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(20404);
  });

  it('retries a failing callback once and then logs it', async () => {
    webhookStatus = 503;
    await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi', StatusCallback: `${webhookBase}/twilio/status` });
    await sim.idle();

    expect(received.map((webhook) => webhook.params.MessageStatus)).toEqual(['sent', 'sent', 'delivered', 'delivered']);
    expect(received[0]?.headers['i-twilio-idempotency-token']).toBe(received[1]?.headers['i-twilio-idempotency-token']);
    expect(warnings.map((warning) => warning.details)).toMatchObject([
      { messageStatus: 'sent', httpStatus: 503 },
      { messageStatus: 'delivered', httpStatus: 503 },
    ]);
    expect(sim.messages()[0]?.status).toBe('delivered');
  });
});

describe('TwilioSimulator: listing', () => {
  it('lists messages newest first in Twilio’s page shape, with PageSize and a To filter', async () => {
    const first = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'one' });
    const second = await sendMessage({ To: '+14155550111', From: VALID_FROM, Body: 'two' });
    const third = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'three' });
    await sendMessage({ To: '+15005550001', From: VALID_FROM, Body: 'rejected' });

    const page = await getApi(`${MESSAGES_PATH}?PageSize=2`);
    const filtered = await getApi(`${MESSAGES_PATH}?To=${encodeURIComponent(VALID_TO)}`);

    expect(page.status).toBe(200);
    expect(page.body.messages.map((message: { sid: string }) => message.sid)).toEqual([third.body.sid, second.body.sid]);
    expect(page.body).toMatchObject({ page: 0, page_size: 2, start: 0, end: 1, previous_page_uri: null });
    expect(page.body.next_page_uri).toBe(`${MESSAGES_PATH}?PageSize=2&Page=1`);
    const next = await getApi(page.body.next_page_uri);
    expect(next.body.messages.map((message: { sid: string }) => message.sid)).toEqual([first.body.sid]);
    expect(next.body.next_page_uri).toBeNull();
    expect(filtered.body.messages.map((message: { sid: string }) => message.sid)).toEqual([third.body.sid, first.body.sid]);
    expect(filtered.body.page_size).toBe(50);
  });

  it('lists every accepted and rejected message oldest first on the local route', async () => {
    const accepted = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi', MediaUrl: 'https://example.com/a.png' });
    clock = new Date('2025-03-04T05:06:08.000Z');
    await sendMessage({ To: '+15005550004', From: VALID_FROM, Body: 'stop?' });
    await sim.idle();

    const response = await call('/local/twilio/messages');

    expect(response.status).toBe(200);
    expect(response.contentType).toBe('application/json');
    expect(response.body.items).toEqual([
      {
        sid: accepted.body.sid,
        from: VALID_FROM,
        to: VALID_TO,
        body: 'hi',
        mediaUrls: ['https://example.com/a.png'],
        status: 'delivered',
        errorCode: null,
        dateCreated: '2025-03-04T05:06:07.000Z',
      },
      {
        sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
        from: VALID_FROM,
        to: '+15005550004',
        body: 'stop?',
        mediaUrls: [],
        status: 'failed',
        errorCode: 21610,
        dateCreated: '2025-03-04T05:06:08.000Z',
      },
    ]);
  });

  it('keeps the message list across a restart on the same store file', async () => {
    const accepted = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'persist me' });
    await sendMessage({ To: '+15005550003', From: VALID_FROM, Body: 'rejected' });
    await sim.idle();
    await sim.close();

    sim = newSimulator();

    expect(sim.messages()).toMatchObject([
      { sid: accepted.body.sid, body: 'persist me', status: 'delivered' },
      { to: '+15005550003', status: 'failed', errorCode: 21408 },
    ]);
    const fetched = await getApi(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${accepted.body.sid}.json`);
    expect(fetched.body.status).toBe('delivered');
  });

  it('delivers, after a restart, what it had accepted but not finished, calling back as before', async () => {
    sim = newSimulator({ callbackDelaysMs: { sent: 60_000, delivered: 120_000 } });
    const accepted = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'cut short', StatusCallback: `${webhookBase}/status` });
    await sim.close(); // the process dies with the message still queued

    sim = newSimulator();
    await sim.idle();

    expect(sim.messages().find((m) => m.sid === accepted.body.sid)).toMatchObject({ status: 'delivered' });
    const statuses = received.filter((r) => r.params.MessageSid === accepted.body.sid).map((r) => r.params.MessageStatus);
    expect(statuses).toEqual(['sent', 'delivered']);
  });

  it('claims only its own paths', async () => {
    const request = { url: '/local/twilio/inbound', method: 'POST', headers: {} } as IncomingMessage;
    expect(await sim.handle(request, undefined as never, Buffer.alloc(0))).toBe(false);
    expect(await sim.handle({ ...request, url: '/files' } as IncomingMessage, undefined as never, Buffer.alloc(0))).toBe(false);
  });
});

describe('TwilioSimulator: fault injection', () => {
  it('accepts exactly mps sends in a burst, answers 429 to the rest, and refills with time', async () => {
    expect((await postFaults({ mps: 5 })).body).toMatchObject({ mps: 5, errorRate5xx: 0 });

    const burst = [];
    for (let i = 0; i < 20; i += 1) burst.push(await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: `n${i}` }));
    clock = new Date(clock.getTime() + 200);
    const afterRefill = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'later' });
    const stillLimited = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'too soon' });

    expect(burst.filter((response) => response.status === 201)).toHaveLength(5);
    const limited = burst.filter((response) => response.status === 429);
    expect(limited).toHaveLength(15);
    expect(limited[0]?.body).toEqual({
      code: 20429,
      message: 'Too Many Requests',
      more_info: 'https://www.twilio.com/docs/errors/20429',
      status: 429,
    });
    expect(afterRefill.status).toBe(201);
    expect(stillLimited.status).toBe(429);
    expect(sim.messages()).toHaveLength(6);
  });

  it('answers 429 to every send when errorRate429 is 1', async () => {
    await postFaults({ errorRate429: 1 });

    const response = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi' });

    expect(response.status).toBe(429);
    expect(response.body.code).toBe(20429);
    expect(sim.messages()).toEqual([]);
  });

  it('answers 500 or 503 with code 20500 when errorRate5xx is 1', async () => {
    sim.setFaults({ errorRate5xx: 1 });

    const response = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi' });

    expect([500, 503]).toContain(response.status);
    expect(response.body).toMatchObject({ code: 20500, status: response.status });
    expect(sim.messages()).toEqual([]);
  });

  it('records the message and sends its callbacks although it answers 500 when acceptThenFailRate is 1', async () => {
    await postFaults({ acceptThenFailRate: 1 });

    const response = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi', StatusCallback: `${webhookBase}/twilio/status` });
    await sim.idle();

    expect(response.status).toBe(500);
    expect(response.body.code).toBe(20500);
    const [message] = (await call('/local/twilio/messages')).body.items;
    expect(message).toMatchObject({ to: VALID_TO, status: 'delivered' });
    expect(received.map((webhook) => [webhook.params.MessageSid, webhook.params.MessageStatus])).toEqual([
      [message.sid, 'sent'],
      [message.sid, 'delivered'],
    ]);
  });

  it('ends with an undelivered callback carrying ErrorCode 30003 when failDeliveryRate is 1', async () => {
    await postFaults({ failDeliveryRate: 1 });

    const response = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi', StatusCallback: `${webhookBase}/twilio/status` });
    await sim.idle();

    expect(received.map((webhook) => webhook.params.MessageStatus)).toEqual(['sent', 'undelivered']);
    expect(received[0]?.params.ErrorCode).toBeUndefined();
    expect(received[1]?.params.ErrorCode).toBe('30003');
    expectSignedForTwilio(received[1]!);
    const fetched = await getApi(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${response.body.sid}.json`);
    expect(fetched.body).toMatchObject({ status: 'undelivered', error_code: 30003, error_message: 'Unreachable destination handset' });
  });

  it('ends with a failed callback carrying ErrorCode 30008 when failedRate is 1, and reports sending first when sendingRate is 1', async () => {
    await postFaults({ failedRate: 1, sendingRate: 1 });

    const response = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi', StatusCallback: `${webhookBase}/twilio/status` });
    await sim.idle();

    expect(received.map((webhook) => webhook.params.MessageStatus)).toEqual(['sending', 'sent', 'failed']);
    expect(received[2]?.params.ErrorCode).toBe('30008');
    expect(received[2]?.params.RawDlrDoneDate).toBeUndefined();
    const fetched = await getApi(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${response.body.sid}.json`);
    expect(fetched.body).toMatchObject({ status: 'failed', error_code: 30008 });
  });

  it('sends no callbacks but still advances the status when dropCallbacks is set', async () => {
    await postFaults({ dropCallbacks: true });

    await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi', StatusCallback: `${webhookBase}/twilio/status` });
    await sim.idle();

    expect(received).toEqual([]);
    expect(sim.messages()[0]?.status).toBe('delivered');
  });

  it('delays answers by latencyMs', async () => {
    await postFaults({ latencyMs: 60 });

    const started = performance.now();
    await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi' });

    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('answers 400 VALIDATION_ERROR with a message naming the bad field, and keeps the previous faults', async () => {
    await postFaults({ errorRate429: 1 });

    const outOfRange = await postFaults({ errorRate5xx: 2 });
    const unknown = await postFaults({ errorRate: 0.5 });
    const notJson = await call('/local/twilio/faults', { method: 'POST', body: '{oops' });

    expect(outOfRange.status).toBe(400);
    expect(outOfRange.contentType).toBe('application/json');
    expect(outOfRange.body.error.code).toBe('VALIDATION_ERROR');
    expect(outOfRange.body.error.message).toMatch(/errorRate5xx/);
    expect(unknown.body.error.message).toMatch(/errorRate/);
    expect(notJson.status).toBe(400);
    expect((await call('/local/twilio/faults')).body.errorRate429).toBe(1);
    expect(() => sim.setFaults({ mps: -1 })).toThrow(FaultConfigError);
  });

  it('clears every fault on DELETE', async () => {
    await postFaults({ errorRate429: 1 });

    const cleared = await call('/local/twilio/faults', { method: 'DELETE' });
    const response = await sendMessage({ To: VALID_TO, From: VALID_FROM, Body: 'hi' });

    expect(cleared.status).toBe(204);
    expect(cleared.contentType).toBe('application/json');
    expect(response.status).toBe(201);
  });
});

describe('TwilioSimulator: inbound messages', () => {
  it('posts a signed inbound webhook as Twilio does and returns its status and TwiML', async () => {
    webhookStatus = 200;

    const { status, twiml } = await sim.sendInbound(`${webhookBase}/twilio/incoming`, {
      from: '+14155550123',
      to: VALID_FROM,
      body: 'STOP',
      mediaUrls: ['https://example.com/photo.png', 'https://example.com/blob'],
    });

    expect(status).toBe(200);
    expect(twiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const [webhook] = received;
    expectSignedForTwilio(webhook!);
    expect(webhook?.params).toEqual({
      MessageSid: expect.stringMatching(/^MM[0-9a-f]{32}$/),
      SmsMessageSid: webhook?.params.MessageSid,
      SmsSid: webhook?.params.MessageSid,
      AccountSid: ACCOUNT_SID,
      From: '+14155550123',
      To: VALID_FROM,
      Body: 'STOP',
      NumMedia: '2',
      NumSegments: '1',
      MediaUrl0: 'https://example.com/photo.png',
      MediaContentType0: 'image/png',
      MediaUrl1: 'https://example.com/blob',
      MediaContentType1: 'image/jpeg',
      ApiVersion: '2010-04-01',
      SmsStatus: 'received',
    });
  });

  it('names a message without media SM…', async () => {
    webhookStatus = 200;
    await sim.sendInbound(`${webhookBase}/twilio/incoming`, { from: '+14155550123', to: VALID_FROM, body: 'hi' });
    expect(received[0]?.params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
  });

  it('hosts media as Twilio does: the URL asks for the account’s credentials, then redirects to a signed link to the bytes', async () => {
    webhookStatus = 200;
    const bytes = Buffer.from('\x89PNG fake image bytes');
    await sim.sendInbound(
      `${webhookBase}/twilio/incoming`,
      { from: '+14155550123', to: VALID_FROM, body: 'pic', media: [{ contentType: 'image/png', data: bytes.toString('base64') }] },
      apiBase,
    );

    const params = received[0]!.params;
    expect(params.MessageSid).toMatch(/^MM[0-9a-f]{32}$/);
    expect(params.NumMedia).toBe('1');
    expect(params.MediaContentType0).toBe('image/png');
    const mediaUrl = params.MediaUrl0!;
    expect(mediaUrl).toMatch(new RegExp(`^${apiBase}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${params.MessageSid}/Media/ME[0-9a-f]{32}$`));

    const anonymous = await fetch(mediaUrl, { redirect: 'manual' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 20003 });
    expect((await fetch(mediaUrl, { redirect: 'manual', headers: { authorization: basicAuth(ACCOUNT_SID, 'wrong') } })).status).toBe(401);

    const redirect = await fetch(mediaUrl, { redirect: 'manual', headers: { authorization: basicAuth(ACCOUNT_SID, AUTH_TOKEN) } });
    expect(redirect.status).toBe(302);
    const location = new URL(redirect.headers.get('location')!, mediaUrl);
    const content = await fetch(location);
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await content.arrayBuffer())).toEqual(bytes);

    location.searchParams.set('Signature', '0'.repeat(64));
    expect((await fetch(location)).status).toBe(403);
  });

  it('returns the webhook’s own status when it refuses the request', async () => {
    webhookStatus = 403;

    expect(await sim.sendInbound(`${webhookBase}/twilio/incoming`, { from: '+14155550123', to: VALID_FROM, body: 'hi' })).toMatchObject({ status: 403 });
  });
});
