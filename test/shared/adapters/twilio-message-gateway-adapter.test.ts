import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TwilioSimulator } from '../../../lib/local/twilio-simulator.ts';
import { TwilioMessageGateway } from '../../../shared/adapters/twilio-message-gateway-adapter.ts';
import type { OutboundMessage } from '../../../shared/ports.ts';
import { listen, readBody } from '../../support/http.ts';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'gateway-test-auth-token';
const FROM = '+15005550006';
const credentials = async () => ({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });

let sim: TwilioSimulator;
let server: Server;
let baseUrl: string;
let callbacks: string[];
const savedEnv = { ...process.env };

/** A loopback URL on which nothing listens. */
async function closedPortUrl(): Promise<string> {
  const s = createServer();
  const url = await listen(s);
  await new Promise((resolve) => s.close(resolve));
  return url;
}

/** A gateway reading the given environment, as it would at a cold start. */
function gateway(env: Record<string, string> = {}, creds = credentials): TwilioMessageGateway {
  Object.assign(process.env, { TWILIO_API_BASE_URL: baseUrl, TWILIO_FROM_NUMBER: FROM, TWILIO_TIMEOUT_MS: '5000', ...env });
  return new TwilioMessageGateway(creds);
}

const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  to: '+14155550100',
  body: 'report.pdf was uploaded',
  mediaUrls: [],
  statusCallback: `${baseUrl}/callbacks?n=1`,
  ...overrides,
});

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (await sim.handle(req, res, body)) return;
    callbacks.push(req.url ?? '/');
    res.writeHead(200).end();
  });
  baseUrl = await listen(server);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  callbacks = [];
  sim = new TwilioSimulator({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    callbackDelaysMs: { sent: 1, delivered: 2 },
    logger: { warn: () => undefined },
  });
});

afterEach(async () => {
  await sim.close();
  for (const key of ['TWILIO_API_BASE_URL', 'TWILIO_FROM_NUMBER', 'TWILIO_TIMEOUT_MS', 'TWILIO_MESSAGING_SERVICE_SID']) {
    if (key in savedEnv) process.env[key] = savedEnv[key];
    else delete process.env[key];
  }
});

describe('TwilioMessageGateway against the Twilio simulator', () => {
  it('answers accepted with the message SID and status for a valid send', async () => {
    const outcome = await gateway().send(message());

    expect(outcome).toEqual({ kind: 'accepted', messageSid: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued' });
    const [stored] = sim.messages();
    expect(stored).toMatchObject({
      sid: outcome.kind === 'accepted' ? outcome.messageSid : '',
      accepted: true,
      from: FROM,
      to: '+14155550100',
      body: 'report.pdf was uploaded',
      mediaUrls: [],
      statusCallback: `${baseUrl}/callbacks?n=1`,
    });
  });

  it('sends through the Messaging Service instead of From when one is configured; Twilio answers accepted', async () => {
    const service = `MG${'0123456789abcdef'.repeat(2)}`;
    const outcome = await gateway({ TWILIO_MESSAGING_SERVICE_SID: service }).send(message());

    expect(outcome).toMatchObject({ kind: 'accepted', status: 'accepted' });
    expect(sim.messages()[0]).toMatchObject({ messagingServiceSid: service });
    await sim.idle();
    // The service picks a number from its pool when the message goes out.
    expect(sim.messages()[0]).toMatchObject({ from: '+15005550006', status: 'delivered' });
  });

  it('gives Twilio the status callback URL, which then hears about the message', async () => {
    await gateway().send(message());
    await sim.idle();
    expect(callbacks).toEqual(['/callbacks?n=1', '/callbacks?n=1']);
  });

  it('answers rejected, not retryable, for an invalid number (21211)', async () => {
    const outcome = await gateway().send(message({ to: '+15005550001' }));
    expect(outcome).toEqual({ kind: 'rejected', errorCode: '21211', errorMessage: "The 'To' number +15005550001 is not a valid phone number." });
  });

  it.each([
    ['+15005550002', '21612'],
    ['+15005550003', '21408'],
    ['+15005550004', '21610'],
    ['+15005550009', '21614'],
  ])('answers rejected for the magic To number %s (%s)', async (to, code) => {
    expect(await gateway().send(message({ to }))).toMatchObject({ kind: 'rejected', errorCode: code });
  });

  it('answers rejected for an invalid From number (21212)', async () => {
    expect(await gateway({ TWILIO_FROM_NUMBER: '+15005550001' }).send(message())).toMatchObject({ kind: 'rejected', errorCode: '21212' });
  });

  it('answers retryable for a sender whose queue is full (21611), which a later try can get past', async () => {
    expect(await gateway({ TWILIO_FROM_NUMBER: '+15005550008' }).send(message())).toMatchObject({ kind: 'retryable', errorCode: '21611' });
  });

  it('answers retryable 20429 when Twilio throttles', async () => {
    sim.setFaults({ errorRate429: 1 });
    expect(await gateway().send(message())).toEqual({ kind: 'retryable', errorCode: '20429', errorMessage: 'Too Many Requests' });
    expect(sim.messages()).toEqual([]);
  });

  it('answers retryable 20429 over the account’s messages-per-second', async () => {
    sim.setFaults({ mps: 1 });
    const gw = gateway();
    const outcomes = await Promise.all([gw.send(message()), gw.send(message()), gw.send(message())]);
    expect(outcomes.filter((o) => o.kind === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'retryable' && o.errorCode === '20429')).toHaveLength(2);
  });

  it('answers retryable when Twilio fails with a 5xx', async () => {
    sim.setFaults({ errorRate5xx: 1 });
    const outcome = await gateway().send(message());
    expect(outcome).toMatchObject({ kind: 'retryable', errorCode: '20500' });
  });

  it('answers retryable with the HTTP status when a 5xx carries no Twilio error body', async () => {
    const bare = createServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>'));
    const bareUrl = await listen(bare);
    try {
      const outcome = await gateway({ TWILIO_API_BASE_URL: bareUrl }).send(message());
      expect(outcome).toEqual({ kind: 'retryable', errorCode: 'HTTP_502', errorMessage: 'Twilio answered HTTP 502.' });
    } finally {
      await new Promise((resolve) => bare.close(resolve));
    }
  });

  it('answers retryable NETWORK_ERROR when nothing answers', async () => {
    const outcome = await gateway({ TWILIO_API_BASE_URL: await closedPortUrl() }).send(message());
    expect(outcome).toMatchObject({ kind: 'retryable', errorCode: 'NETWORK_ERROR' });
  });

  it('answers retryable TIMEOUT when Twilio is slower than TWILIO_TIMEOUT_MS', async () => {
    sim.setFaults({ latencyMs: 1_000 });
    const started = Date.now();
    const outcome = await gateway({ TWILIO_TIMEOUT_MS: '100' }).send(message());
    expect(outcome).toMatchObject({ kind: 'retryable', errorCode: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('answers retryable for credentials Twilio refuses (20003), which an operator can fix', async () => {
    const outcome = await gateway({}, async () => ({ accountSid: ACCOUNT_SID, authToken: 'wrong' })).send(message());
    expect(outcome).toMatchObject({ kind: 'retryable', errorCode: '20003' });
    expect(sim.messages()).toEqual([]);
  });

  it('sends a whatsapp: destination from the whatsapp: form of the sender number', async () => {
    const outcome = await gateway().send(message({ to: 'whatsapp:+14155550100' }));
    expect(outcome.kind).toBe('accepted');
    expect(sim.messages()[0]).toMatchObject({ from: `whatsapp:${FROM}`, to: 'whatsapp:+14155550100' });
  });

  it('sends every media URL', async () => {
    const mediaUrls = ['https://example.com/a.png', 'https://example.com/files/b.pdf?X-Amz-Signature=abc&X-Amz-Expires=900'];
    const outcome = await gateway().send(message({ mediaUrls }));
    expect(outcome.kind).toBe('accepted');
    expect(sim.messages()[0]?.mediaUrls).toEqual(mediaUrls);
  });

  it('keeps the body exactly, including characters a form must escape', async () => {
    const body = 'Q1 & Q2 = 50% + more: résumé.pdf #1 ✓';
    await gateway().send(message({ body }));
    expect(sim.messages()[0]?.body).toBe(body);
  });

  it('fails at construction when TWILIO_FROM_NUMBER is missing', () => {
    Object.assign(process.env, { TWILIO_API_BASE_URL: baseUrl });
    delete process.env.TWILIO_FROM_NUMBER;
    expect(() => new TwilioMessageGateway(credentials)).toThrow(/TWILIO_FROM_NUMBER/);
  });
});

describe('TwilioMessageGateway.findSent', () => {
  it('finds the messages to a recipient with exactly that text, oldest first, through the paged list', async () => {
    const g = gateway();
    const since = new Date(Date.now() - 60_000);
    const sids: string[] = [];
    for (let i = 0; i < 60; i++) {
      // Over a page of other texts, so the two that match sit on different pages.
      const body = i === 3 || i === 57 ? 'report.pdf was uploaded' : `filler ${i}`;
      const outcome = await g.send(message({ body }));
      if (outcome.kind !== 'accepted') throw new Error(`send ${i}: ${outcome.kind}`);
      if (body === 'report.pdf was uploaded') sids.push(outcome.messageSid);
    }
    await g.send(message({ to: '+14155550199' }));

    expect(await g.findSent({ to: '+14155550100', body: 'report.pdf was uploaded', since })).toEqual(sids);
    expect(await g.findSent({ to: '+14155550100', body: 'report.pdf was uploaded', since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await g.findSent({ to: '+14155550100', body: 'never sent', since })).toEqual([]);
  });

  it('throws when Twilio cannot be asked, so a retry sends nothing blind', async () => {
    const g = gateway({ TWILIO_API_BASE_URL: await closedPortUrl() });
    await expect(g.findSent({ to: '+14155550100', body: 'x', since: new Date() })).rejects.toThrow();
  });
});
