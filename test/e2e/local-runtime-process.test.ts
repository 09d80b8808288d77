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

  it('keeps state in its data folder across restarts', async () => {
    const first = await start(['--data-dir', dataDir]);
    const token = await first.api.tokenFor('erin');
    const created = await first.api.as(token).request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550123' });
    expect(created.status).toBe(201);
    await first.stop();

    const second = await start(['--data-dir', dataDir]);
    try {
      const again = await second.api.as(token).request('GET', `/rules/${created.body.ruleId}`);
      expect(again.status).toBe(200);
      expect(again.body.target).toBe('+14155550123');
    } finally {
      await second.stop();
    }
  });

  it('sends a scheduled message after a restart that came between its scheduling and its time', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'scheduled-run-'));
    const first = await start(['--data-dir', folder]);
    const token = await first.api.tokenFor('sched');
    const sendAt = new Date(Date.now() + 8_000).toISOString();
    const created = await first.api.as(token).request('POST', '/notifications', { to: '+14155550188', body: 'After the restart.', sendAt });
    expect(created.body.status).toBe('scheduled');
    await first.stop();

    const second = await start(['--data-dir', folder]);
    try {
      const sent = await eventually(async () => {
        const { body } = await second.api.as(token).request('GET', `/notifications/${created.body.notificationId}`);
        return body.status === 'delivered' ? body : undefined;
      }, 40_000, 'the scheduled message after the restart');
      expect(Date.parse(sent.history.find((h: { status: string }) => h.status === 'queued').at)).toBeGreaterThanOrEqual(Date.parse(sendAt));
      const messages = (await second.api.request('GET', '/local/twilio/messages')).body.items.filter((m: { to: string }) => m.to === '+14155550188');
      expect(messages).toHaveLength(1);
    } finally {
      await second.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 90_000);

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
