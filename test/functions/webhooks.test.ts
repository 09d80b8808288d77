import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { DynamoNotificationRepository } from '../../shared/adapters/dynamo-notification-repository-adapter.ts';
import { twilioSignature } from '../../shared/adapters/twilio-signature.ts';
import type { NotificationRecord } from '../../shared/ports.ts';
import { pendingNotificationRecord } from '../support/fixtures.ts';

let runtime: LocalRuntime;
let dynamo: DynamoDBClient;
let notifications: DynamoNotificationRepository;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT' });
  dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint });
  notifications = new DynamoNotificationRepository(
    runtime.resources.tableNames.notifications,
    DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
  );
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.stop();
});

const newSid = () => `SM${randomUUID().replace(/-/g, '')}`;

/** A notification Twilio has accepted: queued, with its SID. */
async function queuedNotification(): Promise<NotificationRecord> {
  const at = '2026-01-01T00:00:00.000Z';
  const n = pendingNotificationRecord({ attempts: 1, createdAt: at });
  const { userId } = n;
  await notifications.createIfAbsent(n);
  await notifications.advance(userId, n.notificationId, { status: 'queued', at, messageSid: newSid() });
  return (await notifications.get(userId, n.notificationId))!;
}

function postForm(path: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${runtime.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
}

/** Posts as Twilio would: signed with the account's token over the public URL and the form. */
function postSigned(path: string, params: Record<string, string>, signedUrl = `${runtime.publicBaseUrl}${path}`, token = runtime.twilio.authToken) {
  return postForm(path, params, { 'x-twilio-signature': twilioSignature(token, signedUrl, params) });
}

const callback = (n: NotificationRecord, status = 'delivered') => ({
  MessageSid: n.messageSid!,
  MessageStatus: status,
  AccountSid: runtime.twilio.accountSid,
  From: runtime.twilio.fromNumber,
  To: n.target,
});

async function expectForbiddenAndUnchanged(response: Response, before: NotificationRecord) {
  expect(response.status).toBe(403);
  expect(await response.json()).toEqual({ error: { code: 'FORBIDDEN', message: expect.stringContaining('X-Twilio-Signature') } });
  expect(await notifications.get(before.userId, before.notificationId)).toEqual(before);
}

describe('POST /twilio/status', () => {
  it('answers 403 to a callback without a signature, and changes nothing', async () => {
    const n = await queuedNotification();
    await expectForbiddenAndUnchanged(await postForm('/twilio/status', callback(n)), n);
  });

  it('answers 403 to a callback signed with another token, and changes nothing', async () => {
    const n = await queuedNotification();
    const response = await postSigned('/twilio/status', callback(n), undefined, 'not-the-account-token');
    await expectForbiddenAndUnchanged(response, n);
  });

  it('answers 403 to a callback signed for another URL, and changes nothing', async () => {
    const n = await queuedNotification();
    const response = await postSigned('/twilio/status', callback(n), 'https://attacker.example/twilio/status');
    await expectForbiddenAndUnchanged(response, n);
  });

  it('answers 403 when the form was changed after signing, and changes nothing', async () => {
    const n = await queuedNotification();
    const signedFor = callback(n, 'failed');
    const signature = twilioSignature(runtime.twilio.authToken, `${runtime.publicBaseUrl}/twilio/status`, signedFor);
    const response = await postForm('/twilio/status', callback(n, 'delivered'), { 'x-twilio-signature': signature });
    await expectForbiddenAndUnchanged(response, n);
  });

  it('applies a correctly signed callback to the notification holding the SID', async () => {
    const n = await queuedNotification();
    const response = await postSigned('/twilio/status', callback(n, 'delivered'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/xml/);
    expect(await response.text()).toContain('<Response></Response>');
    expect(await notifications.get(n.userId, n.notificationId)).toMatchObject({ status: 'delivered', messageSid: n.messageSid });
  });

  it('applies a signed callback through the notification named in its URL', async () => {
    const n = await queuedNotification();
    const path = `/twilio/status?${new URLSearchParams({ u: n.userId, n: n.notificationId })}`;
    const response = await postSigned(path, { ...callback(n, 'sent'), MessageSid: newSid() });
    expect(response.status).toBe(200);
    expect((await notifications.get(n.userId, n.notificationId))?.status).toBe('sent');
  });

  it('answers 403 when the query string was changed after signing', async () => {
    const n = await queuedNotification();
    const params = callback(n, 'failed');
    const signature = twilioSignature(runtime.twilio.authToken, `${runtime.publicBaseUrl}/twilio/status?u=someone&n=else`, params);
    const path = `/twilio/status?${new URLSearchParams({ u: n.userId, n: n.notificationId })}`;
    await expectForbiddenAndUnchanged(await postForm(path, params, { 'x-twilio-signature': signature }), n);
  });

  it('answers 200 to a correctly signed callback for a SID it does not know, and creates nothing', async () => {
    const sid = newSid();
    const response = await postSigned('/twilio/status', { MessageSid: sid, MessageStatus: 'delivered', AccountSid: runtime.twilio.accountSid });
    expect(response.status).toBe(200);
    expect(await notifications.findByMessageSid(sid)).toBeUndefined();
  });

  it('does not move a delivered notification back on a late sent callback', async () => {
    const n = await queuedNotification();
    expect((await postSigned('/twilio/status', callback(n, 'delivered'))).status).toBe(200);
    expect((await postSigned('/twilio/status', callback(n, 'sent'))).status).toBe(200);
    expect((await notifications.get(n.userId, n.notificationId))?.status).toBe('delivered');
  });

  it('answers 400 to a signed callback without a MessageStatus', async () => {
    const response = await postSigned('/twilio/status', { MessageSid: newSid() });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
  });
});

describe('POST /twilio/incoming', () => {
  it('answers 403 to an unsigned inbound message', async () => {
    const response = await postForm('/twilio/incoming', { MessageSid: newSid(), From: '+14155550100', To: '+15005550006', Body: 'hi' });
    expect(response.status).toBe(403);
  });

  it('answers a signed inbound message with TwiML', async () => {
    const response = await postSigned('/twilio/incoming', { MessageSid: newSid(), From: '+14155550100', To: '+15005550006', Body: 'hi', NumMedia: '0' });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^<\?xml[^>]*\?><Response><\/Response>$/);
  });

  it('accepts the simulator’s signed inbound webhook: POST /local/twilio/inbound answers its status and TwiML', async () => {
    const response = await fetch(`${runtime.url}/local/twilio/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+14155550100', to: runtime.twilio.fromNumber, body: 'STOP', mediaUrls: ['https://example.com/a.jpg'] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 200, twiml: expect.stringMatching(/^<\?xml[^>]*\?><Response>.*<\/Response>$/) });
  });

  it('shows the TwiML reply the inbound webhook gave, such as the HELP text', async () => {
    const response = await fetch(`${runtime.url}/local/twilio/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+14155550100', to: runtime.twilio.fromNumber, body: 'HELP' }),
    });
    const { status, twiml } = (await response.json()) as { status: number; twiml: string };
    expect(status).toBe(200);
    expect(twiml).toMatch(/<Response><Message>[^<]+<\/Message><\/Response>$/);
  });
});
