import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  // Every open notification counts as overdue, and the schedule runs every 400 ms instead of every 5 minutes.
  process.env.RECONCILE_AFTER_MINUTES = '0';
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', scheduleIntervalMs: 400 });
  api = new ApiClient(runtime.url);
});

afterEach(async () => {
  runtime.simulator.clearFaults();
  await runtime.simulator.idle();
});

afterAll(async () => {
  await runtime?.stop();
  delete process.env.RECONCILE_AFTER_MINUTES;
});

async function notificationOf(user: ApiClient, fileId: string) {
  return (await user.request('GET', `/notifications?fileId=${fileId}`)).body.items[0] as Record<string, any> | undefined;
}

describe('reconciliation of statuses whose callbacks never came', () => {
  it('moves a message Twilio delivered without calling back from queued to delivered, on its own timer', async () => {
    runtime.simulator.setFaults({ dropCallbacks: true });
    const user = api.as(await api.tokenFor('reconcile-a'));
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550181' });
    const { fileId } = await user.upload({ fileName: 'quiet.txt', contentType: 'text/plain', content: 'q' });

    const delivered = await eventually(
      async () => {
        const n = await notificationOf(user, fileId);
        return n?.status === 'delivered' ? n : undefined;
      },
      20_000,
      'reconciliation to find the delivery',
    );
    const statuses = delivered.history.map((h: { status: string }) => h.status);
    expect(statuses[0]).toBe('pending');
    expect(statuses).toContain('queued');
    expect(statuses.at(-1)).toBe('delivered');
    const [message] = (await api.request('GET', '/local/twilio/messages')).body.items.filter((m: { to: string }) => m.to === '+14155550181');
    expect(message).toMatchObject({ sid: delivered.messageSid, status: 'delivered' });
  });

  it('records the error of a message that ended undelivered, with a readable message', async () => {
    runtime.simulator.setFaults({ dropCallbacks: true, failDeliveryRate: 1 });
    const user = api.as(await api.tokenFor('reconcile-b'));
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550182' });
    const { fileId } = await user.upload({ fileName: 'lost.txt', contentType: 'text/plain', content: 'l' });

    const undelivered = await eventually(
      async () => {
        const n = await notificationOf(user, fileId);
        return n?.status === 'undelivered' ? n : undefined;
      },
      20_000,
      'reconciliation to find the failure',
    );
    expect(undelivered).toMatchObject({ errorCode: '30003', errorMessage: 'The destination handset is unreachable.' });
  });

  it('reports what one run checked and changed', async () => {
    runtime.simulator.setFaults({ dropCallbacks: true });
    const user = api.as(await api.tokenFor('reconcile-c'));
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550183' });
    const { fileId } = await user.upload({ fileName: 'report.txt', contentType: 'text/plain', content: 'r' });
    await eventually(async () => ((await notificationOf(user, fileId))?.messageSid ? true : undefined), 20_000, 'the send');
    await runtime.simulator.idle();

    // The timer may have a run going already; the run after it starts only now, after the delivery.
    await runtime.runSchedule('reconcile');
    const report = (await runtime.runSchedule('reconcile')) as Record<string, number>;
    expect(report).toEqual({ checked: expect.any(Number), applied: expect.any(Number), unchanged: expect.any(Number), unknown: 0, failed: 0 });
    expect((await notificationOf(user, fileId))!.status).toBe('delivered');
    // Nothing is open any more, so the next run has nothing to ask about.
    expect(await runtime.runSchedule('reconcile')).toEqual({ checked: 0, applied: 0, unchanged: 0, unknown: 0, failed: 0 });
  });
});
