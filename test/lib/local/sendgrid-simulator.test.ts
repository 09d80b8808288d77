import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SendGridSimulator } from '../../../lib/local/sendgrid-simulator.ts';
import { listen, readBody } from '../../support/http.ts';

const KEY = 'SG.test-key';
const servers: Server[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function serve(sim: SendGridSimulator): Promise<string> {
  const server = createServer(async (req, res) => {
    if (!(await sim.handle(req, res, await readBody(req)))) res.writeHead(404).end();
  });
  servers.push(server);
  return listen(server);
}

const mail = (to: string) => ({
  personalizations: [{ to: [{ email: to }], custom_args: { notificationId: 'n-1' } }],
  from: { email: 'notifications@example.com' },
  subject: 'Hello',
  content: [{ type: 'text/plain', value: 'Body' }],
});

describe('SendGridSimulator', () => {
  it('keeps what it received in its store file across a restart, accepted and refused alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sendgrid-'));
    dirs.push(dir);
    const storeFile = join(dir, 'sendgrid-messages.jsonl');
    const base = await serve(new SendGridSimulator(KEY, storeFile));
    const post = (body: unknown) =>
      fetch(`${base}/v3/mail/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(mail('ann@example.com'))).status).toBe(202);
    expect((await post({ ...mail('bob@example.com'), subject: '' })).status).toBe(400);

    const restarted = new SendGridSimulator(KEY, storeFile);
    const listed = (await (await fetch(`${await serve(restarted)}/local/sendgrid/messages`)).json()) as { items: unknown[] };
    expect(listed.items).toEqual([
      expect.objectContaining({ accepted: true, to: ['ann@example.com'], subject: 'Hello', customArgs: { notificationId: 'n-1' } }),
      expect.objectContaining({ accepted: false, to: ['bob@example.com'], error: expect.stringContaining('subject') }),
    ]);
  });
});
