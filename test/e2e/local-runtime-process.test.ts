import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ApiClient, eventually } from '../../lib/local/api-client.ts';
import { killLocalProcesses, runToEnd, startLocalProcess as start } from '../support/local-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'local-data-'));

/** Uploads a file that the rule matches and waits for its one notification to be delivered, as one SMS. */
async function uploadAndDeliver(user: ApiClient, fileName: string): Promise<void> {
  const { fileId } = await user.upload({ fileName, contentType: 'text/plain', content: 'restart' });
  const delivered = await eventually(
    async () => {
      const { body } = await user.request('GET', `/notifications?fileId=${fileId}`);
      return body.items.length === 1 && body.items[0].status === 'delivered' ? body.items[0] : undefined;
    },
    30_000,
    `the notification for ${fileName} to be delivered`,
  );
  const sent = (await user.request('GET', '/local/twilio/messages')).body.items.filter((m: { sid: string }) => m.sid === delivered.messageSid);
  expect(sent).toHaveLength(1);
  expect(sent[0].body).toContain(fileName);
}

afterAll(() => {
  killLocalProcesses();
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
      expect(out).toMatch(/Queue consumers\s+1 thread of their own/);
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
    let ruleId: string;
    try {
      const created = await first.api.as(token).request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target });
      expect(created.status).toBe(201);
      ruleId = created.body.ruleId;
      await uploadAndDeliver(first.api.as(token), 'first-run.txt');
    } finally {
      await first.stop();
    }

    // Each start listens on new ports for the embedded engines; what was saved must still reach them.
    for (const run of ['second-run.txt', 'third-run.txt']) {
      const again = await start(['--data-dir', dataDir]);
      try {
        const rule = await again.api.as(token).request('GET', `/rules/${ruleId}`);
        expect(rule.status).toBe(200);
        expect(rule.body.target).toBe(target);
        await uploadAndDeliver(again.api.as(token), run);
        // What happened, one line per step, with the recipient's number masked.
        await eventually(async () => (again.output().includes(' delivered') ? true : undefined), 10_000, 'the delivery to be printed');
        const out = again.output();
        expect(out).toMatch(/\d\d:\d\d:\d\d {2}upload \S+ stored: 1 rule\(s\) matched, 1 notification\(s\) queued/);
        expect(out).toMatch(/notification \S+ sent by sms to …0123 as SM[0-9a-f]{32}/);
        expect(out).toMatch(/message SM[0-9a-f]{32} delivered/);
        expect(out).not.toContain('4155550123');
      } finally {
        await again.stop();
      }
    }
  }, 180_000);

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
      const sent = await eventually(
        async () => {
          const { body } = await second.api.as(token).request('GET', `/notifications/${created.body.notificationId}`);
          return body.status === 'delivered' ? body : undefined;
        },
        40_000,
        'the scheduled message after the restart',
      );
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

  it('explains its options with --help, and refuses an unknown one with the usage', async () => {
    const help = await runToEnd(['bin/local.ts', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: npm start');
    expect(help.out).toContain('--fast');
    expect(help.out).toContain('--consumer-threads');
    const unknown = await runToEnd(['bin/local.ts', '--colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("Unknown option '--colour'");
    expect(unknown.err).toContain('usage: npm start');
    expect(unknown.err).not.toMatch(/\n\s+at /);
    const threads = await runToEnd(['bin/local.ts', '--memory', '--consumer-threads', 'two']);
    expect(threads.code).toBe(2);
    expect(threads.err).toContain('--consumer-threads must be a whole number from 0 to 16, not two.');
  });

  it('says which port is taken and how to choose another, without a stack trace', async () => {
    const first = await start(['--memory']);
    try {
      const second = await runToEnd(['bin/local.ts', '--memory', '--port', String(first.port)]);
      expect(second.code).toBe(1);
      expect(second.err).toContain(`Port ${first.port} is already in use`);
      expect(second.err).toContain('PORT=3001 npm start');
      expect(second.err).not.toMatch(/\n\s+at /);
    } finally {
      await first.stop();
    }
  });

  it('runs the reconciler on demand, and shortens backoff and reconciliation with --fast (its consumers in the API thread)', async () => {
    const run = await start(['--memory', '--fast', '--consumer-threads', '0']);
    try {
      const now = await run.api.request('POST', '/local/schedules/reconcile');
      expect(now.status).toBe(200);
      expect(now.body).toMatchObject({ schedule: 'reconcile', result: { checked: 0, failed: 0 } });
      expect((await run.api.request('POST', '/local/schedules/nope')).status).toBe(404);
      expect(run.output()).toContain('Time scales         fast');
      expect(run.output()).toContain("Queue consumers     in the API's thread");
    } finally {
      await run.stop();
    }
  });
});

describe('npm run dlq', () => {
  it('explains its options with --help, and finds the local runtime on $PORT', async () => {
    const help = await runToEnd(['bin/dlq.ts', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: npm run dlq');
    const unknown = await runToEnd(['bin/dlq.ts', 'list', '--colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('usage: npm run dlq');

    const run = await start(['--memory']);
    try {
      const listed = await runToEnd(['bin/dlq.ts', 'list', '--queue', 'upload'], { PORT: String(run.port) });
      expect(listed.err).toBe('');
      expect(listed.out).toContain('0 message(s) on the upload DLQ');
    } finally {
      await run.stop();
    }
  });
});
