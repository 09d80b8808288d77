import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { mapLimit } from '../../shared/domain/map-limit.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, twilioMps: 5 });
  api = new ApiClient(runtime.url);
});

afterAll(async () => {
  await runtime?.stop();
});

describe('pacing to the account rate', () => {
  it('sends a backlog larger than Twilio’s bucket without a single 429, each message once, attempts uncounted by waiting', async () => {
    // Senders paced to 5 messages a second, Twilio enforcing 6 (the room covers a busy test
    // machine's scheduling); 30 notifications at once is five of Twilio's buckets.
    runtime.simulator.setFaults({ mps: 6 });
    const user = api.as(await api.tokenFor('pacing'));
    const targets = Array.from({ length: 30 }, (_, i) => `+1415555${String(2000 + i)}`);
    await mapLimit(targets, 8, async (target) => {
      const created = await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target });
      expect(created.status).toBe(201);
    });
    const { fileId } = await user.upload({ fileName: 'backlog.txt', contentType: 'text/plain', content: 'b' });

    await eventually(async () => (runtime.simulator.counters().accepted >= targets.length ? true : undefined), 60_000, 'the backlog to drain');
    const { accepted, throttled } = runtime.simulator.counters();
    expect(throttled).toBe(0);
    expect(accepted).toBe(targets.length);
    const sentTo = runtime.simulator
      .messages()
      .filter((m) => m.accepted)
      .map((m) => m.to);
    expect(new Set(sentTo).size).toBe(targets.length);

    // Waiting for a turn is not an attempt: every notification was claimed once.
    const listed = await eventually(
      async () => {
        const { body } = await user.request('GET', `/notifications?fileId=${fileId}&limit=100`);
        return body.items.length === targets.length && body.items.every((n: { status: string }) => n.status !== 'pending') ? body.items : undefined;
      },
      20_000,
      'every notification to leave pending',
    );
    expect(listed.map((n: { attempts: number }) => n.attempts)).toEqual(targets.map(() => 1));
  });
});
