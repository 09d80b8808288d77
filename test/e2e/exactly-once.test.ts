import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';

// Every queue batch goes to two concurrent consumer invocations, as at-least-once SQS may deliver it.
let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, duplicateDeliveries: true });
  api = new ApiClient(runtime.url);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('with every upload and notification message delivered twice, concurrently', () => {
  it('gives exactly one notification and one message per (upload, rule)', async () => {
    const user = api.as(await api.tokenFor('frank'));
    const targets = ['+14155550131', '+14155550132'];
    for (const target of targets) {
      expect((await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target, messageTemplate: '{{fileName}}' })).status).toBe(201);
    }
    const fileIds: string[] = [];
    for (let i = 0; i < 6; i++) fileIds.push((await user.upload({ fileName: `twice-${i}.txt`, contentType: 'text/plain', content: `${i}` })).fileId);

    const items = await eventually(
      async () => {
        const page = await user.request('GET', '/notifications?limit=100');
        const all = page.body.items as Array<{ fileId: string; status: string; attempts: number }>;
        return all.length === 12 && all.every((n) => n.status === 'delivered') ? all : undefined;
      },
      30_000,
      'twelve delivered notifications',
    );
    expect(new Set(items.map((n) => n.fileId))).toEqual(new Set(fileIds));
    expect(items.every((n) => n.attempts === 1)).toBe(true);

    await runtime.simulator.idle();
    const sent = (await api.request('GET', '/local/twilio/messages')).body.items as Array<{ to: string; body: string }>;
    const mine = sent.filter((m) => targets.includes(m.to));
    expect(mine).toHaveLength(12);
    expect(new Set(mine.map((m) => `${m.to} ${m.body}`)).size).toBe(12);
  });

  it('stops matching a rule as soon as it is deleted', async () => {
    const user = api.as(await api.tokenFor('gina'));
    const rule = await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550141' });
    expect((await user.request('DELETE', `/rules/${rule.body.ruleId}`)).status).toBe(204);
    const { fileId } = await user.upload({ fileName: 'after-delete.txt', contentType: 'text/plain', content: 'x' });
    await eventually(async () => ((await user.request('GET', `/files/${fileId}`)).status === 200 ? true : undefined));
    expect((await user.request('GET', `/notifications?fileId=${fileId}`)).body.items).toEqual([]);
  });
});
