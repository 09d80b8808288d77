import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileNameOf } from '../../lib/bench/crash.ts';
import { eventually, type ApiClient } from '../../lib/local/api-client.ts';
import { killLocalProcesses, startLocalProcess } from '../support/local-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'crash-data-'));
const UPLOADS = 30;
const target = '+14155550177';

afterAll(() => {
  killLocalProcesses();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Each file's notification, once every one has been handed to Twilio (it has a SID). */
async function allSent(user: ApiClient, fileIds: string[]) {
  const found = new Map<string, Record<string, any>>();
  let last = '';
  await eventually(
    async () => {
      for (const fileId of fileIds) {
        if (found.has(fileId)) continue;
        const { body } = await user.request('GET', `/notifications?fileId=${fileId}`);
        if (body.items?.length === 1 && body.items[0].messageSid) found.set(fileId, body.items[0]);
        else last = JSON.stringify(body);
      }
      return found.size === fileIds.length ? true : undefined;
    },
    150_000,
    `all ${fileIds.length} notifications to be sent`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${found.size} were, and one that was not reads ${last}`);
  });
  return found;
}

describe('a crash of npm start (kill -9) with uploads in flight', () => {
  it('notifies every upload exactly once after a restart on the same saved state', async () => {
    // Paced to 5 messages a second, so the process dies with sends done, under way and still to come.
    const first = await startLocalProcess(['--data-dir', dataDir, '--fast'], { env: { TWILIO_MPS: '5' } });
    const user = first.api.as(await first.api.tokenFor('crash'));
    expect((await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target, messageTemplate: '{{fileName}}' })).status).toBe(201);

    const fileIds: string[] = [];
    for (let start = 0; start < UPLOADS; start += 10) {
      const batch = Array.from({ length: Math.min(10, UPLOADS - start) }, (_, i) =>
        user.upload({ fileName: `crash-${start + i}.txt`, contentType: 'text/plain', content: 'c' }),
      );
      fileIds.push(...(await Promise.all(batch)).map((u) => u.fileId));
    }
    await eventually(
      async () => {
        const { items } = (await first.api.request('GET', '/local/twilio/messages')).body;
        return items.length >= UPLOADS / 3 ? true : undefined;
      },
      60_000,
      'a third of the messages to be sent',
    );
    // Every upload is stored; some are sent, some under way, some still waiting: now the process dies.
    await first.kill();

    const second = await startLocalProcess(['--data-dir', dataDir, '--fast'], { port: first.port });
    try {
      const again = second.api.as(await second.api.tokenFor('crash'));
      const notifications = await allSent(again, fileIds);
      const messages = (await second.api.request('GET', '/local/twilio/messages')).body.items.filter((m: { to: string }) => m.to === target);
      const perFile = new Map<string, number>();
      for (const m of messages as Array<{ body: string }>) perFile.set(fileNameOf(m.body), (perFile.get(fileNameOf(m.body)) ?? 0) + 1);

      const lost = fileIds.filter((_, i) => !perFile.has(`crash-${i}.txt`));
      const doubled = [...perFile].filter(([, count]) => count > 1).map(([body]) => body);
      expect({ lost, doubled }).toEqual({ lost: [], doubled: [] });
      expect(messages).toHaveLength(UPLOADS);
      // Each notification names the one message its file got.
      const sids = new Set((messages as Array<{ sid: string }>).map((m) => m.sid));
      for (const n of notifications.values()) expect(sids.has(n.messageSid)).toBe(true);

      // A final status callback that died with the process is made up by reconciliation (every
      // 10 s under --fast for statuses quiet for 30 s), which must still find each open one.
      await eventually(
        async () => {
          const { body } = await again.request('GET', '/notifications?limit=100');
          return body.items.length === UPLOADS && body.items.every((n: { status: string }) => n.status === 'delivered') ? true : undefined;
        },
        120_000,
        'every notification to be delivered',
      );
    } finally {
      await second.stop();
    }
  }, 360_000);
});
