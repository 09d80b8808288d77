import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../shared/adapters/twilio-signature.ts';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { busEvents } from '../../shared/topology.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  // Hand-off timers fire a second after the customer's message here, instead of a minute.
  process.env.HANDOFF_AFTER_SECONDS = '1';
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', fast: true });
  api = new ApiClient(runtime.url);
});

afterAll(async () => {
  await runtime?.stop();
});

async function newUser(): Promise<ApiClient> {
  return api.as(await runtime.token(`user-${randomUUID()}`));
}

let nextNumber = 2000;
/** A number nobody else in this file uses; `owned` makes the simulated account own it. */
function freshNumber(owned = false): string {
  const number = `+1415555${String(nextNumber++).padStart(4, '0')}`;
  if (owned) runtime.phoneNumbers.add(number);
  return number;
}

function expectError(response: { status: number; body: any }, status: number, code: string, mentions?: RegExp) {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  if (mentions) expect(response.body.error.message).toMatch(mentions);
}

const text = (from: string, to: string, body: string) => api.request('POST', '/local/twilio/inbound', { from, to, body });

async function newLine(user: ApiClient, fields: Record<string, unknown> = {}) {
  const response = await user.request('POST', '/lines', { number: freshNumber(true), forwardTo: freshNumber(), businessName: 'Acme Plumbing', ...fields });
  expect(response.status, response.text).toBe(201);
  return response.body;
}

describe('lines', () => {
  it('creates a line with defaults and points the Twilio number at this deployment', async () => {
    const alice = await newUser();
    const number = freshNumber(true);
    const created = await alice.request('POST', '/lines', { number, forwardTo: '+1 415 555 0199' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ number, forwardTo: '+14155550199', ringSeconds: 20, voicemail: true, replyWindowHours: 24 });
    expect(created.body.missedCallReply).toMatch(/missed/);
    const configured = runtime.phoneNumbers.get(number)!;
    expect(configured.voiceUrl).toBe(`${runtime.publicBaseUrl}/twilio/voice`);
    expect(configured.statusCallback).toBe(`${runtime.publicBaseUrl}/twilio/voice/status`);
    expect(configured.smsUrl).toBe(`${runtime.publicBaseUrl}/twilio/incoming`);

    expect((await alice.request('GET', `/lines/${created.body.lineId}`)).body).toEqual(created.body);
    const list = await alice.request('GET', '/lines');
    expect(list.body.items).toEqual([created.body]);

    const patched = await alice.request('PATCH', `/lines/${created.body.lineId}`, { ringSeconds: 25, businessName: 'Acme' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ringSeconds: 25, businessName: 'Acme', number });
    const cleared = await alice.request('PATCH', `/lines/${created.body.lineId}`, { businessName: null });
    expect(cleared.body).not.toHaveProperty('businessName');

    expect((await alice.request('DELETE', `/lines/${created.body.lineId}`)).status).toBe(204);
    expect((await alice.request('GET', `/lines/${created.body.lineId}`)).status).toBe(404);
    // The number is free again.
    expect((await alice.request('POST', '/lines', { number, forwardTo: '+14155550199' })).status).toBe(201);
  });

  it('gives a number to one line only: 409 for a second, whoever asks', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const line = await newLine(alice);
    expectError(await bob.request('POST', '/lines', { number: line.number, forwardTo: freshNumber() }), 409, 'CONFLICT', /already belongs to a line/);
    expect((await bob.request('GET', '/lines')).body.items).toEqual([]);
  });

  it('refuses a number the Twilio account does not own, writing nothing', async () => {
    const alice = await newUser();
    const number = freshNumber();
    expectError(await alice.request('POST', '/lines', { number, forwardTo: freshNumber() }), 422, 'NUMBER_NOT_OWNED', /does not own/);
    expect((await alice.request('GET', '/lines')).body.items).toEqual([]);
  });

  it.each([
    ['a malformed number', { number: '12345' }, /number must be a valid phone number/],
    ['a malformed forwardTo', { forwardTo: 'call me' }, /forwardTo must be a valid phone number/],
    [
      'overlapping business hours',
      {
        businessHours: {
          timezone: 'America/New_York',
          days: {
            mon: [
              ['09:00', '12:00'],
              ['11:00', '17:00'],
            ],
          },
        },
      },
      /overlap/,
    ],
    ['an invalid time zone', { businessHours: { timezone: 'Mars/Olympus', days: {} } }, /IANA time zone/],
    ['an unknown reply variable', { missedCallReply: 'Hi {{name}}' }, /only \{\{businessName\}\} and \{\{callerNumber\}\}/],
    ['a ring time Twilio refuses', { ringSeconds: 2 }, /ringSeconds must be at least 5/],
  ])('answers 400 for %s, writing nothing', async (_what, fields, message) => {
    const alice = await newUser();
    const response = await alice.request('POST', '/lines', { number: freshNumber(true), forwardTo: freshNumber(), ...fields });
    expectError(response, 400, 'VALIDATION_ERROR', message);
    expect((await alice.request('GET', '/lines')).body.items).toEqual([]);
  });

  it('refuses a line that forwards to its own number, on create and on update', async () => {
    const alice = await newUser();
    const number = freshNumber(true);
    expectError(await alice.request('POST', '/lines', { number, forwardTo: number }), 400, 'VALIDATION_ERROR', /forwardTo must differ/);
    const line = await newLine(alice);
    expectError(await alice.request('PATCH', `/lines/${line.lineId}`, { forwardTo: line.number }), 400, 'VALIDATION_ERROR', /forwardTo must differ/);
    expectError(await alice.request('PATCH', `/lines/${line.lineId}`, { number: freshNumber(true) }), 400, 'VALIDATION_ERROR', /number cannot change/);
    expect((await alice.request('GET', `/lines/${line.lineId}`)).body).toEqual(line);
  });

  it("gives the line's owner the messages that reached its number before the line existed", async () => {
    const alice = await newUser();
    const number = freshNumber(true);
    const sender = freshNumber();
    expect((await text(sender, number, 'Anyone there? I called earlier.')).body.status).toBe(200);
    expect((await alice.request('GET', `/messages?from=${encodeURIComponent(sender)}`)).body.items).toEqual([]);
    await newLine(alice, { number });
    const adopted = await eventually(
      async () => {
        const { body } = await alice.request('GET', `/messages?from=${encodeURIComponent(sender)}`);
        return body.items.length === 1 ? body.items[0] : undefined;
      },
      20_000,
      "the earlier message to become the owner's",
    );
    expect(adopted).toMatchObject({ from: sender, to: number, message: 'Anyone there? I called earlier.', source: 'twilio' });
    expect((await alice.request('GET', `/messages/${adopted.messageId}`)).status).toBe(200);
  });

  it("answers 404 for an unknown line and another user's", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const line = await newLine(alice);
    expectError(await bob.request('GET', `/lines/${line.lineId}`), 404, 'NOT_FOUND');
    expectError(await bob.request('PATCH', `/lines/${line.lineId}`, { ringSeconds: 30 }), 404, 'NOT_FOUND');
    expectError(await bob.request('DELETE', `/lines/${line.lineId}`), 404, 'NOT_FOUND');
    expectError(await alice.request('GET', '/lines/01ARZ3NDEKTSV4RRFFQ69G5FAV'), 404, 'NOT_FOUND');
    expectError(await alice.request('GET', '/lines/not-a-line'), 400, 'VALIDATION_ERROR');
  });
});

/** The hand-off events of a conversation on the local event bus (GET /local/events). */
async function handoffsOnBus(conversationId: string): Promise<Array<{ source: string; 'detail-type': string; detail: Record<string, unknown> }>> {
  const { body } = await api.request('GET', `/local/events?detailType=${encodeURIComponent(busEvents.handoff.detailType)}`);
  return body.items.filter((e: { detail: { conversationId?: string } }) => e.detail.conversationId === conversationId);
}

/** Plays a call through the simulator, as POST /local/twilio/calls does. */
async function call(input: { from: string; to: string; answer: string; voicemail?: boolean }) {
  const response = await api.request('POST', '/local/twilio/calls', input);
  expect(response.status, response.text).toBe(200);
  return response.body as { callSid: string; dialStatus: string | null; twiml: string[]; webhooks: Array<{ url: string; status: number }> };
}

async function messagesTo(to: string) {
  const { body } = await api.request('GET', '/local/twilio/messages');
  return (body.items as Array<{ from: string; to: string; body: string }>).filter((m) => m.to === to);
}

/** The call once the voice worker has recorded its auto-reply outcome. */
async function settledCall(user: ApiClient, callSid: string) {
  return eventually(
    async () => {
      const { body } = await user.request('GET', `/calls/${callSid}`);
      return body?.autoReply || body?.autoReplySkipped ? body : undefined;
    },
    20_000,
    'the auto-reply outcome',
  );
}

/** Posts a signed form to a Twilio webhook, as Twilio would. */
async function signedPost(path: string, params: Record<string, string>, signed = true) {
  const url = `${runtime.publicBaseUrl}${path}`;
  const response = await fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signed ? { 'x-twilio-signature': twilioSignature(runtime.twilio.authToken, url, params) } : {}),
    },
    body: new URLSearchParams(params),
  });
  return { status: response.status, text: await response.text() };
}

describe('calls', () => {
  it('forwards a call and, when nobody answers, texts the caller once from the line, takes a voicemail and logs it all', async () => {
    const alice = await newUser();
    const line = await newLine(alice, { ringSeconds: 15 });
    const caller = freshNumber();
    const played = await call({ from: caller, to: line.number, answer: 'no-answer' });
    expect(played.dialStatus).toBe('no-answer');
    expect(played.twiml[0]).toContain(`<Dial timeout="15" action="/twilio/voice/dial-status" method="POST" callerId="${caller}">${line.forwardTo}</Dial>`);
    expect(played.twiml[1]).toMatch(
      /<Say>Sorry, nobody could take your call at Acme Plumbing\. Please leave a message after the tone\.<\/Say><Record action="\/twilio\/voice\/recording"/,
    );
    const listed = (await api.request('GET', '/local/twilio/calls')).body.items;
    expect(listed.find((c: { callSid: string }) => c.callSid === played.callSid)).toMatchObject({ from: caller, to: line.number, answer: 'no-answer' });
    expect(played.webhooks.map((w) => [new URL(w.url).pathname, w.status])).toEqual([
      ['/twilio/voice', 200],
      ['/twilio/voice/dial-status', 200],
      ['/twilio/voice/recording', 200],
      ['/twilio/voice/status', 200],
    ]);

    const logged = await settledCall(alice, played.callSid);
    expect(logged).toMatchObject({
      callId: played.callSid,
      lineId: line.lineId,
      from: caller,
      to: line.number,
      status: 'voicemail',
      dialStatus: 'no-answer',
      recordingSeconds: 12,
    });
    expect(logged.recordingUrl).toMatch(/^https:\/\/api\.twilio\.com\/.*\/Recordings\/RE/);
    expect(logged.endedAt).toBeDefined();
    expect(logged.durationSeconds).toBeGreaterThan(0);
    const texts = await eventually(async () => ((await messagesTo(caller)).length > 0 ? messagesTo(caller) : undefined), 20_000, 'the auto-reply');
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatchObject({ from: line.number });
    expect(texts[0]!.body).toMatch(/^Sorry we missed your call\. How can we help\? Reply here and Acme Plumbing will get back to you\./);

    const notification = (await alice.request('GET', `/notifications/${logged.autoReply.notificationId}`)).body;
    expect(notification).toMatchObject({ source: 'missed-call', target: caller, from: line.number });
    const conversation = (await alice.request('GET', `/conversations/${logged.conversationId}`)).body;
    expect(conversation).toMatchObject({ lineId: line.lineId, customer: caller, status: 'open', needsAttention: false });
    expect(conversation.messages).toEqual([expect.objectContaining({ direction: 'outbound', body: notification.body })]);
  });

  it('logs an answered call as answered and sends nothing', async () => {
    const alice = await newUser();
    const line = await newLine(alice);
    const caller = freshNumber();
    const played = await call({ from: caller, to: line.number, answer: 'answered' });
    expect(played.dialStatus).toBe('completed');
    expect(played.twiml[1]).toContain('<Hangup/>');
    const logged = await eventually(async () => {
      const { body } = await alice.request('GET', `/calls/${played.callSid}`);
      return body.endedAt ? body : undefined;
    });
    expect(logged).toMatchObject({ status: 'answered', dialStatus: 'completed' });
    expect(logged).not.toHaveProperty('autoReply');
    expect(await messagesTo(caller)).toEqual([]);
  });

  it.each(['busy', 'failed', 'canceled'])('treats a %s forward as missed: one auto-reply, no voicemail when the caller leaves none', async (answer) => {
    const alice = await newUser();
    const line = await newLine(alice);
    const caller = freshNumber();
    const played = await call({ from: caller, to: line.number, answer, voicemail: false });
    const logged = await settledCall(alice, played.callSid);
    expect(logged).toMatchObject({ status: 'missed', dialStatus: answer, autoReply: { notificationId: expect.any(String) } });
    expect(logged).not.toHaveProperty('recordingUrl');
    await eventually(async () => ((await messagesTo(caller)).length === 1 ? true : undefined), 20_000, 'the auto-reply');
  });

  it('hangs up without voicemail when the line has it off', async () => {
    const alice = await newUser();
    const line = await newLine(alice, { voicemail: false });
    const played = await call({ from: freshNumber(), to: line.number, answer: 'no-answer' });
    expect(played.twiml[1]).not.toContain('<Record');
    expect(played.twiml[1]).toContain('<Hangup/>');
  });

  it('sends callers outside business hours straight to voicemail, as a missed call', async () => {
    const alice = await newUser();
    const line = await newLine(alice, { businessHours: { timezone: 'America/New_York', days: {} } });
    const caller = freshNumber();
    const played = await call({ from: caller, to: line.number, answer: 'answered' });
    expect(played.dialStatus).toBeNull();
    expect(played.twiml[0]).toMatch(/<Say>We are closed right now at Acme Plumbing\..*<\/Say><Record/);
    const logged = await settledCall(alice, played.callSid);
    expect(logged).toMatchObject({ status: 'voicemail', afterHours: true, autoReply: expect.any(Object) });
  });

  it('texts a caller once within the reply window, however often they call', async () => {
    const alice = await newUser();
    const line = await newLine(alice, { replyWindowHours: 24 });
    const caller = freshNumber();
    const first = await call({ from: caller, to: line.number, answer: 'no-answer', voicemail: false });
    expect((await settledCall(alice, first.callSid)).autoReply).toBeDefined();
    const second = await call({ from: caller, to: line.number, answer: 'busy', voicemail: false });
    const again = await settledCall(alice, second.callSid);
    expect(again.autoReplySkipped).toBe('reply-window');
    expect(again).not.toHaveProperty('autoReply');
    expect(again.conversationId).toBe((await alice.request('GET', `/calls/${first.callSid}`)).body.conversationId);
    expect(await messagesTo(caller)).toHaveLength(1);
  });

  it('texts again on every missed call when the reply window is 0', async () => {
    const alice = await newUser();
    await alice.request('PUT', '/settings', { dedupWindowSeconds: 0 });
    const line = await newLine(alice, { replyWindowHours: 0, missedCallReply: 'Missed you, {{callerNumber}}.' });
    const caller = freshNumber();
    for (const answer of ['no-answer', 'busy']) {
      const played = await call({ from: caller, to: line.number, answer, voicemail: false });
      expect((await settledCall(alice, played.callSid)).autoReply).toBeDefined();
    }
    await eventually(async () => ((await messagesTo(caller)).length === 2 ? true : undefined), 20_000, 'two auto-replies');
    expect((await messagesTo(caller))[0]!.body).toMatch(new RegExp(`^Missed you, \\${caller}\\.`));
  });

  it('sends nothing to a caller who opted out', async () => {
    const alice = await newUser();
    const line = await newLine(alice);
    const caller = freshNumber();
    expect((await api.request('POST', '/local/twilio/inbound', { from: caller, to: line.number, body: 'STOP' })).body.status).toBe(200);
    const played = await call({ from: caller, to: line.number, answer: 'no-answer', voicemail: false });
    const logged = await settledCall(alice, played.callSid);
    expect(logged.autoReplySkipped).toBe('opted-out');
    expect((await messagesTo(caller)).filter((m) => m.from === line.number)).toEqual([]);
  });

  it('changes nothing twice when Twilio repeats a webhook', async () => {
    const alice = await newUser();
    const line = await newLine(alice);
    const caller = freshNumber();
    const played = await call({ from: caller, to: line.number, answer: 'no-answer', voicemail: false });
    const first = await settledCall(alice, played.callSid);
    const base = { CallSid: played.callSid, AccountSid: runtime.twilio.accountSid, From: caller, To: line.number };
    for (let i = 0; i < 3; i++) {
      expect((await signedPost('/twilio/voice', { ...base, CallStatus: 'ringing' })).status).toBe(200);
      expect((await signedPost('/twilio/voice/dial-status', { ...base, DialCallStatus: 'no-answer' })).status).toBe(200);
      expect((await signedPost('/twilio/voice/dial-status', { ...base, DialCallStatus: 'completed' })).status).toBe(200);
      expect((await signedPost('/twilio/voice/status', { ...base, CallStatus: 'completed', CallDuration: '999' })).status).toBe(200);
    }
    const after = (await alice.request('GET', `/calls/${played.callSid}`)).body;
    expect(after).toMatchObject({ status: 'missed', dialStatus: 'no-answer', endedAt: first.endedAt, durationSeconds: first.durationSeconds });
    expect(after.autoReply.notificationId).toBe(first.autoReply.notificationId);
    expect((await alice.request('GET', '/calls')).body.items).toHaveLength(1);
    expect(await messagesTo(caller)).toHaveLength(1);
  });

  it('treats a call that ends still ringing (its dial-status never came) as missed, and texts the caller', async () => {
    const alice = await newUser();
    const line = await newLine(alice);
    const caller = freshNumber();
    const base = { CallSid: `CA${randomBytes(16).toString('hex')}`, AccountSid: runtime.twilio.accountSid, From: caller, To: line.number };
    expect((await signedPost('/twilio/voice', { ...base, CallStatus: 'ringing' })).text).toContain('<Dial');
    expect((await signedPost('/twilio/voice/status', { ...base, CallStatus: 'completed', CallDuration: '7' })).status).toBe(200);
    const logged = await settledCall(alice, base.CallSid);
    expect(logged).toMatchObject({ status: 'missed', durationSeconds: 7, autoReply: expect.any(Object) });
    expect(logged).not.toHaveProperty('dialStatus');
    await eventually(async () => ((await messagesTo(caller)).length === 1 ? true : undefined), 20_000, 'the auto-reply');
  });

  it('answers an unknown CallSid without recording anything', async () => {
    const response = await signedPost('/twilio/voice/dial-status', { CallSid: `CA${randomBytes(16).toString('hex')}`, DialCallStatus: 'no-answer' });
    expect(response.status).toBe(200);
    expect(response.text).toContain('<Hangup/>');
  });

  it('refuses unsigned voice webhooks with 403 and records nothing', async () => {
    const alice = await newUser();
    const line = await newLine(alice);
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    for (const path of ['/twilio/voice', '/twilio/voice/dial-status', '/twilio/voice/recording', '/twilio/voice/status']) {
      const response = await signedPost(
        path,
        { CallSid: callSid, From: freshNumber(), To: line.number, DialCallStatus: 'no-answer', CallStatus: 'ringing' },
        false,
      );
      expect(response.status).toBe(403);
    }
    expect((await alice.request('GET', `/calls/${callSid}`)).status).toBe(404);
    expect((await alice.request('GET', '/calls')).body.items).toEqual([]);
  });

  it('tells callers of a number no line holds that it is not in service', async () => {
    const played = await call({ from: freshNumber(), to: freshNumber(true), answer: 'answered' });
    expect(played.twiml).toHaveLength(1);
    expect(played.twiml[0]).toMatch(/<Say>The number you called is not in service\. Goodbye\.<\/Say><Hangup\/>/);
  });

  it('lists calls newest first, by line, status and caller', async () => {
    const alice = await newUser();
    const one = await newLine(alice);
    const two = await newLine(alice);
    const caller = freshNumber();
    const a = await call({ from: caller, to: one.number, answer: 'answered' });
    const b = await call({ from: freshNumber(), to: two.number, answer: 'no-answer', voicemail: false });
    const c = await call({ from: caller, to: two.number, answer: 'answered' });
    await settledCall(alice, b.callSid);
    const ids = async (query: string) => ((await alice.request('GET', `/calls${query}`)).body.items as Array<{ callId: string }>).map((i) => i.callId);
    expect(await ids('')).toEqual([c.callSid, b.callSid, a.callSid]);
    expect(await ids(`?lineId=${two.lineId}`)).toEqual([c.callSid, b.callSid]);
    expect(await ids('?status=missed')).toEqual([b.callSid]);
    expect(await ids(`?from=${encodeURIComponent(caller)}`)).toEqual([c.callSid, a.callSid]);
    expect(await ids(`?from=${encodeURIComponent(caller)}&lineId=${two.lineId}&status=answered`)).toEqual([c.callSid]);
    expectError(await alice.request('GET', '/calls?status=lost'), 400, 'VALIDATION_ERROR', /status must be one of/);
    expectError(await alice.request('GET', '/calls?from=12'), 400, 'VALIDATION_ERROR', /from must be a phone number/);
  });
});

/** A hand-off receiver: records each event with whether its signature checks out; answers `statuses` in turn, then 200. */
async function handoffReceiver(statuses: number[] = []) {
  const received: Array<{ body: any; validSignature: boolean; id: string | undefined }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const timestamp = String(req.headers['x-handoff-timestamp']);
      const expected = `sha256=${createHmac('sha256', process.env.HANDOFF_SECRET!).update(`${timestamp}.${body}`).digest('hex')}`;
      received.push({
        body: JSON.parse(body),
        validSignature: req.headers['x-handoff-signature'] === expected,
        id: req.headers['x-handoff-id'] as string | undefined,
      });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/handoff`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A missed call from `caller`, settled; its conversation's id. */
async function missedCall(user: ApiClient, line: { number: string }, caller: string): Promise<string> {
  const played = await call({ from: caller, to: line.number, answer: 'no-answer', voicemail: false });
  return (await settledCall(user, played.callSid)).conversationId as string;
}

describe('conversations', () => {
  it("files the caller's texts into the conversation and the line owner's messages, and sends replies from the line", async () => {
    const alice = await newUser();
    const line = await newLine(alice);
    const caller = freshNumber();
    const conversationId = await missedCall(alice, line, caller);
    expect((await text(caller, line.number, 'Can you fix a leak today?')).body.status).toBe(200);
    const joined = await eventually(
      async () => {
        const { body } = await alice.request('GET', `/conversations/${conversationId}`);
        return body.messages.length === 2 ? body : undefined;
      },
      20_000,
      'the text to join the conversation',
    );
    expect(joined.messages.map((m: { direction: string; body: string }) => [m.direction, m.body])).toEqual([
      ['outbound', expect.stringMatching(/^Sorry we missed your call/)],
      ['inbound', 'Can you fix a leak today?'],
    ]);
    // The line's owner sees the text in the message store too; before lines it was nobody's.
    const stored = await eventually(
      async () => {
        const { body } = await alice.request('GET', `/messages?from=${encodeURIComponent(caller)}`);
        return body.items.length === 1 ? body.items[0] : undefined;
      },
      20_000,
      "the message in the owner's store",
    );
    expect(stored).toMatchObject({ from: caller, to: line.number, message: 'Can you fix a leak today?', source: 'twilio' });

    const reply = await alice.request('POST', `/conversations/${conversationId}/messages`, { body: 'Yes, we can come at 3pm.' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ direction: 'outbound', body: 'Yes, we can come at 3pm.', notificationId: expect.any(String) });
    const sent = await eventually(
      async () => {
        const mine = (await messagesTo(caller)).filter((m) => m.body === 'Yes, we can come at 3pm.');
        return mine.length === 1 ? mine[0] : undefined;
      },
      20_000,
      'the reply to be sent',
    );
    expect(sent.from).toBe(line.number);
    expect((await alice.request('GET', `/notifications/${reply.body.notificationId}`)).body).toMatchObject({ source: 'conversation', from: line.number });

    const list = await alice.request('GET', `/conversations?lineId=${line.lineId}&status=open`);
    expect(list.body.items.map((c: { conversationId: string }) => c.conversationId)).toEqual([conversationId]);
  });

  it('closes and reopens; a closed conversation takes no replies and the next missed call opens a new one', async () => {
    const alice = await newUser();
    const line = await newLine(alice, { replyWindowHours: 0 });
    const caller = freshNumber();
    const first = await missedCall(alice, line, caller);
    expect((await alice.request('PATCH', `/conversations/${first}`, { status: 'closed' })).body.status).toBe('closed');
    expectError(await alice.request('POST', `/conversations/${first}/messages`, { body: 'Hello?' }), 409, 'CONVERSATION_CLOSED');
    const second = await missedCall(alice, line, caller);
    expect(second).not.toBe(first);
    expectError(await alice.request('PATCH', `/conversations/${first}`, { status: 'open' }), 409, 'CONFLICT', /Another conversation/);
    expect((await alice.request('PATCH', `/conversations/${second}`, { status: 'closed' })).status).toBe(200);
    expect((await alice.request('PATCH', `/conversations/${first}`, { status: 'open' })).body.status).toBe('open');
    expect((await alice.request('GET', '/conversations?status=closed')).body.items.map((c: { conversationId: string }) => c.conversationId)).toEqual([second]);
    expectError(await alice.request('PATCH', `/conversations/${first}`, { status: 'archived' }), 400, 'VALIDATION_ERROR');
    expectError(await alice.request('POST', `/conversations/${first}/messages`, { body: '' }), 400, 'VALIDATION_ERROR', /body must not be empty/);
  });

  it('hands an unanswered customer message off once, signed, and marks the conversation', async () => {
    const receiver = await handoffReceiver();
    try {
      const alice = await newUser();
      const line = await newLine(alice, { handoffUrl: receiver.url });
      const caller = freshNumber();
      const conversationId = await missedCall(alice, line, caller);
      await text(caller, line.number, 'Hello? Anyone there?');
      await text(caller, line.number, 'Still waiting.');
      const marked = await eventually(
        async () => {
          const { body } = await alice.request('GET', `/conversations/${conversationId}`);
          return body.needsAttention && receiver.received.length > 0 ? body : undefined;
        },
        20_000,
        'the hand-off',
      );
      expect(marked.needsAttention).toBe(true);
      await new Promise((r) => setTimeout(r, 2_500)); // the second message's timer has fired by now, and must not have sent again
      expect(receiver.received).toHaveLength(1);
      const [event] = receiver.received;
      expect(event!.validSignature).toBe(true);
      expect(event!.body).toMatchObject({ type: 'conversation.needs_attention', conversationId, lineId: line.lineId, customer: caller });
      expect(event!.body.messages).toContainEqual(expect.objectContaining({ direction: 'inbound', body: 'Hello? Anyone there?' }));
      expect(event!.id).toBe(event!.body.id);
      // The same event went to the event bus once, as the deployed Pipe forwards it.
      const published = await eventually(
        async () => {
          const found = await handoffsOnBus(conversationId);
          return found.length > 0 ? found : undefined;
        },
        20_000,
        'the hand-off event on the bus',
      );
      expect(published).toHaveLength(1);
      expect(published[0]).toMatchObject({ source: busEvents.handoff.source, 'detail-type': busEvents.handoff.detailType });
      expect(published[0]!.detail).toEqual({ ...event!.body, userId: expect.any(String) });

      // The business answers: nobody needs to take over any more.
      await alice.request('POST', `/conversations/${conversationId}/messages`, { body: 'Sorry! Calling you now.' });
      expect((await alice.request('GET', `/conversations/${conversationId}`)).body.needsAttention).toBe(false);
    } finally {
      await receiver.close();
    }
  });

  it('publishes the hand-off on the event bus for a line without a handoffUrl', async () => {
    const alice = await newUser();
    const line = await newLine(alice);
    const caller = freshNumber();
    const conversationId = await missedCall(alice, line, caller);
    await text(caller, line.number, 'Is anyone there?');
    const [published] = await eventually(
      async () => {
        const found = await handoffsOnBus(conversationId);
        return found.length > 0 ? found : undefined;
      },
      20_000,
      'the hand-off event on the bus',
    );
    expect(published!.detail).toMatchObject({
      id: expect.stringMatching(new RegExp(`^${conversationId}:`)),
      type: 'conversation.needs_attention',
      conversationId,
      lineId: line.lineId,
      lineNumber: line.number,
      customer: caller,
    });
    expect((await alice.request('GET', `/conversations/${conversationId}`)).body.needsAttention).toBe(true);
  });

  it('raises no hand-off when the business answers in time', async () => {
    const receiver = await handoffReceiver();
    try {
      const alice = await newUser();
      const line = await newLine(alice, { handoffUrl: receiver.url });
      const caller = freshNumber();
      const conversationId = await missedCall(alice, line, caller);
      await text(caller, line.number, 'Are you open Sunday?');
      await eventually(async () => ((await alice.request('GET', `/conversations/${conversationId}`)).body.messages.length === 2 ? true : undefined));
      await alice.request('POST', `/conversations/${conversationId}/messages`, { body: 'Yes, 10 to 4.' });
      await new Promise((r) => setTimeout(r, 2_500)); // past the timer
      expect(receiver.received).toEqual([]);
      expect((await alice.request('GET', `/conversations/${conversationId}`)).body.needsAttention).toBe(false);
    } finally {
      await receiver.close();
    }
  });

  it('retries a hand-off the receiver refused, with backoff, until it is taken', async () => {
    const receiver = await handoffReceiver([500, 503]);
    try {
      const alice = await newUser();
      const line = await newLine(alice, { handoffUrl: receiver.url });
      const caller = freshNumber();
      await missedCall(alice, line, caller);
      await text(caller, line.number, 'Hello?');
      await eventually(async () => (receiver.received.length === 3 ? true : undefined), 30_000, 'the third attempt');
      expect(receiver.received.every((r) => r.validSignature && r.id === receiver.received[0]!.id)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it("answers 404 for another user's conversation and a missing one", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const line = await newLine(alice);
    const conversationId = await missedCall(alice, line, freshNumber());
    expectError(await bob.request('GET', `/conversations/${conversationId}`), 404, 'NOT_FOUND');
    expectError(await bob.request('POST', `/conversations/${conversationId}/messages`, { body: 'hi' }), 404, 'NOT_FOUND');
    expectError(await bob.request('PATCH', `/conversations/${conversationId}`, { status: 'closed' }), 404, 'NOT_FOUND');
    expect((await bob.request('GET', '/conversations')).body.items).toEqual([]);
    expectError(await alice.request('GET', '/conversations/01ARZ3NDEKTSV4RRFFQ69G5FAV'), 404, 'NOT_FOUND');
  });
});
