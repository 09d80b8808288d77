import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendGridSimulator } from '../../../lib/local/sendgrid-simulator.ts';
import { SendGridEmailGateway } from '../../../shared/adapters/sendgrid-email-gateway-adapter.ts';

const simulator = new SendGridSimulator('SG.test-key');
let server: Server;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!(await simulator.handle(req, res, Buffer.concat(chunks)))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  process.env.SENDGRID_API_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.EMAIL_FROM = 'notify@example.com';
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const email = { to: 'a@example.com', subject: 'New file: x.pdf', body: 'x.pdf arrived', customArgs: { notificationId: 'n1' } };

describe('SendGridEmailGateway against the SendGrid simulator', () => {
  it('sends a v3 mail-send request and returns the X-Message-Id of the accepted email', async () => {
    const outcome = await new SendGridEmailGateway(async () => 'SG.test-key').send(email);
    expect(outcome).toMatchObject({ kind: 'accepted' });
    const stored = simulator.messages().at(-1)!;
    expect(stored).toMatchObject({
      accepted: true,
      from: 'notify@example.com',
      to: ['a@example.com'],
      subject: 'New file: x.pdf',
      text: 'x.pdf arrived',
      customArgs: { notificationId: 'n1' },
    });
    expect(outcome.kind === 'accepted' && outcome.messageSid).toBe(stored.messageId);
  });

  it('treats a refused key as worth another try (an operator can fix it) and a malformed address as final', async () => {
    expect(await new SendGridEmailGateway(async () => 'SG.wrong').send(email)).toMatchObject({ kind: 'retryable', errorCode: 'SENDGRID_401' });
    const bad = await new SendGridEmailGateway(async () => 'SG.test-key').send({ ...email, to: 'not-an-address' });
    expect(bad).toMatchObject({ kind: 'rejected', errorCode: 'SENDGRID_400' });
    expect(bad.kind === 'rejected' && bad.errorMessage).toMatch(/personalizations/);
  });

  it('refuses without a call when no API key is configured', async () => {
    const before = simulator.messages().length;
    expect(await new SendGridEmailGateway(async () => undefined).send(email)).toMatchObject({ kind: 'rejected', errorCode: 'EMAIL_NOT_CONFIGURED' });
    expect(simulator.messages()).toHaveLength(before);
  });

  it('answers a network failure as retryable', async () => {
    process.env.SENDGRID_API_BASE_URL = 'http://127.0.0.1:1';
    expect(await new SendGridEmailGateway(async () => 'SG.test-key').send(email)).toMatchObject({ kind: 'retryable', errorCode: 'NETWORK_ERROR' });
  });
});
