import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/local/runtime.ts';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'local-data-'));
const running = new Set<ChildProcess>();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts `bin/local.ts` as `npm start` does, and waits for its banner and /health. */
async function start(args: string[]): Promise<{ api: ApiClient; output: () => string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(join(projectRoot, 'node_modules/.bin/tsx'), ['bin/local.ts', '--port', String(port), ...args], {
    cwd: projectRoot,
    env: { ...process.env, PORT: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const api = new ApiClient(`http://localhost:${port}`);
  await eventually(async () => ((await api.request('GET', '/health')).status === 200 ? true : undefined), 30_000, 'the local runtime to answer /health');
  await eventually(async () => (output.includes('Press Ctrl+C') ? true : undefined), 5_000, 'the start banner');
  return {
    api,
    output: () => output,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      running.delete(child);
    },
  };
}

/** Uploads a file that the rule matches and waits for its one notification to be delivered, as one SMS. */
async function uploadAndDeliver(user: ApiClient, fileName: string): Promise<void> {
  const { fileId } = await user.upload({ fileName, contentType: 'text/plain', content: 'restart' });
  const delivered = await eventually(async () => {
    const { body } = await user.request('GET', `/notifications?fileId=${fileId}`);
    return body.items.length === 1 && body.items[0].status === 'delivered' ? body.items[0] : undefined;
  }, 30_000, `the notification for ${fileName} to be delivered`);
  const sent = (await user.request('GET', '/local/twilio/messages')).body.items.filter((m: { sid: string }) => m.sid === delivered.messageSid);
  expect(sent).toHaveLength(1);
  expect(sent[0].body).toContain(fileName);
}

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints the API URL, the Twilio credentials and a dev token that the API accepts', async () => {
    const run = await start(['--memory']);
    try {
      const out = run.output();
      expect(out).toContain(run.api.baseUrl);
      expect(out).toMatch(/TWILIO_ACCOUNT_SID\s+AC[0-9a-f]{32}/);
      expect(out).toMatch(/TWILIO_AUTH_TOKEN\s+\S+/);
      const token = /Dev token[^\n]*\n\s+(\S+)/.exec(out)?.[1];
      expect(token).toBeDefined();
      expect((await run.api.as(token!).request('GET', '/rules')).status).toBe(200);
    } finally {
      await run.stop();
    }
  });

  it('keeps state in its data folder across restarts, and delivers after each one', async () => {
    const target = '+14155550123';
    const first = await start(['--data-dir', dataDir]);
    const token = await first.api.tokenFor('erin');
    let created;
    try {
      created = await first.api.as(token).request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target });
      expect(created.status).toBe(201);
      await uploadAndDeliver(first.api.as(token), 'first-run.txt');
    } finally {
      await first.stop();
    }

    // Each start listens on new ports for the embedded engines; what was saved must still reach them.
    for (const run of ['second-run.txt', 'third-run.txt']) {
      const again = await start(['--data-dir', dataDir]);
      try {
        const rule = await again.api.as(token).request('GET', `/rules/${created.body.ruleId}`);
        expect(rule.status).toBe(200);
        expect(rule.body.target).toBe(target);
        await uploadAndDeliver(again.api.as(token), run);
      } finally {
        await again.stop();
      }
    }
  }, 180_000);

  it('writes nothing to disk with --memory', async () => {
    const untouched = mkdtempSync(join(tmpdir(), 'memory-run-'));
    const run = await start(['--memory', '--data-dir', untouched]);
    try {
      const erin = run.api.as(await run.api.tokenFor('erin'));
      expect((await erin.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550123' })).status).toBe(201);
    } finally {
      await run.stop();
    }
    expect(readdirSync(untouched)).toEqual([]);
    rmSync(untouched, { recursive: true, force: true });
  });
});
