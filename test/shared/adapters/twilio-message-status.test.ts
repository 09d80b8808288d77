import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwilioSimulator } from '../../../lib/local/twilio-simulator.ts';
import { TwilioMessageGateway } from '../../../shared/adapters/twilio-message-gateway-adapter.ts';
import { listen, readBody } from '../../support/http.ts';

const ACCOUNT_SID = `AC${'fedcba9876543210'.repeat(2)}`;
const AUTH_TOKEN = 'status-test-auth-token';
const credentials = async () => ({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
const saved = { ...process.env };

let sim: TwilioSimulator;
let server: Server;
let gateway: TwilioMessageGateway;

beforeAll(async () => {
  sim = new TwilioSimulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, callbackDelaysMs: { sent: 300, delivered: 400 } });
  sim.setFaults({ dropCallbacks: true });
  server = createServer(async (req, res) => {
    if (!(await sim.handle(req, res, await readBody(req)))) res.writeHead(404).end();
  });
  Object.assign(process.env, {
    TWILIO_API_BASE_URL: await listen(server),
    TWILIO_FROM_NUMBER: '+15005550006',
    TWILIO_TIMEOUT_MS: '5000',
  });
  gateway = new TwilioMessageGateway(credentials);
});

afterAll(async () => {
  await sim?.close();
  server?.close();
  process.env = saved;
});

describe('TwilioMessageGateway.fetchStatus', () => {
  it("reads a message's current status from the Messages API, as it moves on", async () => {
    const sent = await gateway.send({ to: '+14155550100', body: 'hi', mediaUrls: [], statusCallback: 'http://127.0.0.1:1/cb' });
    if (sent.kind !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(sent)}`);
    expect(await gateway.fetchStatus(sent.messageSid)).toEqual({ messageSid: sent.messageSid, status: 'queued' });
    await sim.idle();
    expect(await gateway.fetchStatus(sent.messageSid)).toEqual({ messageSid: sent.messageSid, status: 'delivered' });
  });

  it('reports the error code of a message that ended undelivered', async () => {
    sim.setFaults({ dropCallbacks: true, failDeliveryRate: 1 });
    const sent = await gateway.send({ to: '+14155550101', body: 'hi', mediaUrls: [], statusCallback: 'http://127.0.0.1:1/cb' });
    if (sent.kind !== 'accepted') throw new Error('not accepted');
    await sim.idle();
    expect(await gateway.fetchStatus(sent.messageSid)).toEqual({ messageSid: sent.messageSid, status: 'undelivered', errorCode: '30003' });
    sim.setFaults({ dropCallbacks: true });
  });

  it('answers undefined for a SID Twilio does not know', async () => {
    expect(await gateway.fetchStatus(`SM${'0'.repeat(32)}`)).toBeUndefined();
  });

  it('throws when Twilio cannot be asked, so the next run tries again', async () => {
    const refused = new TwilioMessageGateway(async () => ({ accountSid: ACCOUNT_SID, authToken: 'wrong' }));
    await expect(refused.fetchStatus(`SM${'0'.repeat(32)}`)).rejects.toThrow(/HTTP 401/);
  });
});
