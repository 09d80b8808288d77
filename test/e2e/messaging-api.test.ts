import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  // The sweep runs every second here, so that sends scheduled a few seconds ahead are covered by it too.
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', scheduleIntervalMs: 1_000 });
  api = new ApiClient(runtime.url);
});

afterAll(async () => {
  await runtime?.stop();
});

async function newUser(): Promise<ApiClient> {
  return api.as(await runtime.token(`user-${randomUUID()}`));
}

/** A number no other test writes to, so the simulator's log can be read per test. */
let nextNumber = 1000;
const freshNumber = () => `+1415555${String(nextNumber++).padStart(4, '0')}`;

async function messagesTo(to: string) {
  const { body } = await api.request('GET', '/local/twilio/messages');
  return (body.items as Array<{ to: string; body: string; sid: string }>).filter((m) => m.to === to);
}

function expectError(response: { status: number; body: any }, status: number, code: string, mentions?: RegExp) {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  if (mentions) expect(response.body.error.message).toMatch(mentions);
}

describe('POST /notifications, end to end', () => {
  it('sends a message now through the pipeline, with the opt-out line on the first message to a recipient only', async () => {
    const alice = await newUser();
    const to = freshNumber();
    const first = await alice.request('POST', '/notifications', { to, body: 'Your table is ready.', metadata: { table: 12 } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      source: 'api',
      channel: 'sms',
      target: to,
      status: 'pending',
      body: 'Your table is ready. Reply STOP to opt out.',
      priority: 1,
      encoding: 'GSM-7',
      segments: 1,
      metadata: { table: 12 },
    });
    expect(first.body).not.toHaveProperty('fileId');
    expect(first.body).not.toHaveProperty('ruleId');

    const delivered = await eventually(
      async () => {
        const { body } = await alice.request('GET', `/notifications/${first.body.notificationId}`);
        return body.status === 'delivered' ? body : undefined;
      },
      20_000,
      'the message to be delivered',
    );
    expect(delivered.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'queued', 'sent', 'delivered']);
    expect(delivered.attempts).toBe(1);

    const second = await alice.request('POST', '/notifications', { to, body: 'Second message.' });
    expect(second.body.body).toBe('Second message.');
    await eventually(async () => ((await messagesTo(to)).length === 2 ? true : undefined), 20_000, 'the second message');
    expect((await messagesTo(to)).map((m) => m.body)).toEqual(['Your table is ready. Reply STOP to opt out.', 'Second message.']);
  });

  it('answers a repeated idempotency key with the first notification, and a repeated text within the window as a duplicate', async () => {
    const bob = await newUser();
    const to = freshNumber();
    const send = { to, body: 'Code 1234. Reply STOP to end.', idempotencyKey: 'order-42' };
    const first = await bob.request('POST', '/notifications', send);
    const again = await bob.request('POST', '/notifications', send);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.notificationId).toBe(first.body.notificationId);
    expect(again.body.duplicate).toBeUndefined();

    const dup = await bob.request('POST', '/notifications', { to, body: 'Code 1234. Reply STOP to end.' });
    expect(dup.status).toBe(200);
    expect(dup.body).toMatchObject({ notificationId: first.body.notificationId, duplicate: true });

    // Another user's key is theirs alone.
    const carol = await newUser();
    expect((await carol.request('POST', '/notifications', send)).status).toBe(201);

    await eventually(async () => ((await messagesTo(to)).length >= 2 ? true : undefined), 20_000, "both users' messages");
    const list = await bob.request('GET', `/notifications?to=${encodeURIComponent(to)}`);
    expect(list.body.items.map((n: { notificationId: string }) => n.notificationId)).toEqual([first.body.notificationId]);
  });

  it('sends a scheduled message when it is due, not before', async () => {
    const dora = await newUser();
    const to = freshNumber();
    const sendAt = new Date(Date.now() + 3_000).toISOString();
    const created = await dora.request('POST', '/notifications', { to, body: 'Soon.', sendAt });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'scheduled', sendAt });
    const sent = await eventually(
      async () => {
        const { body } = await dora.request('GET', `/notifications/${created.body.notificationId}`);
        return body.status === 'delivered' ? body : undefined;
      },
      20_000,
      'the scheduled message',
    );
    const queuedAt = sent.history.find((h: { status: string }) => h.status === 'queued').at;
    expect(Date.parse(queuedAt)).toBeGreaterThanOrEqual(Date.parse(sendAt));
    expect(sent.history[0].status).toBe('scheduled');
  });

  it('cancels a scheduled message, which is then never sent, and refuses to cancel one already sent', async () => {
    const erin = await newUser();
    const to = freshNumber();
    const created = await erin.request('POST', '/notifications', { to, body: 'Never.', sendAt: new Date(Date.now() + 2_000).toISOString() });
    const canceled = await erin.request('DELETE', `/notifications/${created.body.notificationId}`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');

    const now = await erin.request('POST', '/notifications', { to, body: 'Now.' });
    await eventually(
      async () => {
        const { body } = await erin.request('GET', `/notifications/${now.body.notificationId}`);
        return body.status === 'delivered' ? body : undefined;
      },
      20_000,
      'the other message',
    );
    expectError(await erin.request('DELETE', `/notifications/${now.body.notificationId}`), 409, 'NOT_CANCELABLE');
    // Past the canceled one's time, by the sweep and its own timer: still only the other message.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await messagesTo(to)).map((m) => m.body)).toEqual(['Now. Reply STOP to opt out.']);
    expect((await erin.request('GET', `/notifications/${created.body.notificationId}`)).body.status).toBe('canceled');
  });

  it('reschedules a scheduled message, which goes out at the new time only', async () => {
    const finn = await newUser();
    const to = freshNumber();
    const created = await finn.request('POST', '/notifications', { to, body: 'Moved.', sendAt: new Date(Date.now() + 600_000).toISOString() });
    const sendAt = new Date(Date.now() + 2_000).toISOString();
    const moved = await finn.request('PATCH', `/notifications/${created.body.notificationId}`, { sendAt });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'scheduled', sendAt });
    await eventually(async () => ((await messagesTo(to)).length === 1 ? true : undefined), 20_000, 'the rescheduled message');
    expectError(await finn.request('PATCH', `/notifications/${created.body.notificationId}`, { sendAt }), 409, 'NOT_RESCHEDULABLE');
  });

  it('refuses bad input with a message naming the field, and writes nothing', async () => {
    const gina = await newUser();
    const to = freshNumber();
    const cases: Array<[unknown, RegExp]> = [
      [{ body: 'x' }, /to/],
      [{ to: '12', body: 'x' }, /to must be a valid phone number/],
      [{ to }, /exactly one of body and templateId/],
      [{ to, body: 'x', templateId: 'T' }, /exactly one of body and templateId/],
      [{ to, body: 'x'.repeat(1601) }, /1600/],
      [{ to, body: 'x', sendAt: new Date(Date.now() - 60_000).toISOString() }, /in the past/],
      [{ to, body: 'x', sendAt: new Date(Date.now() + 400 * 86_400_000).toISOString() }, /a year ahead/],
      [{ to, body: 'x', sendAt: 'tomorrow' }, /sendAt/],
      [{ to, body: 'x', priority: 11 }, /priority must be at most 10/],
      [{ to, body: 'x', timezone: 'Mars/Olympus' }, /IANA/],
      [{ to, body: 'x', idempotencyKey: 'k'.repeat(65) }, /64/],
      [{ to, body: 'x', metadata: { blob: 'y'.repeat(2100) } }, /2048 bytes/],
      [{ to, body: 'x', channel: 'pigeon' }, /channel must be one of/],
      [{ to, templateId: 'nope', variables: {} }, /Template nope was not found/],
    ];
    for (const [body, message] of cases) expectError(await gina.request('POST', '/notifications', body), 400, 'VALIDATION_ERROR', message);
    const list = await gina.request('GET', '/notifications');
    expect(list.body.items).toEqual([]);
  });

  it("lists by source, and keeps another user's notifications out of reach", async () => {
    const hal = await newUser();
    const ivy = await newUser();
    const created = await hal.request('POST', '/notifications', { to: freshNumber(), body: 'Mine.' });
    const api = await hal.request('GET', '/notifications?source=api');
    expect(api.body.items.map((n: { notificationId: string }) => n.notificationId)).toEqual([created.body.notificationId]);
    expect((await hal.request('GET', '/notifications?source=rule')).body.items).toEqual([]);
    expectError(await ivy.request('GET', `/notifications/${created.body.notificationId}`), 404, 'NOT_FOUND');
    expectError(await ivy.request('DELETE', `/notifications/${created.body.notificationId}`), 404, 'NOT_FOUND');
    expectError(await hal.request('GET', '/notifications?source=carrier-pigeon'), 400, 'VALIDATION_ERROR', /source must be one of/);
  });

  it('keeps template names unique per user, finds variables at save and renders them at send', async () => {
    const jo = await newUser();
    const created = await jo.request('POST', '/templates', { name: 'Reminder', body: 'Hi {{name}}, see you at {{time}}.' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Reminder', variables: ['name', 'time'] });
    expectError(await jo.request('POST', '/templates', { name: 'reminder', body: 'x' }), 409, 'NAME_TAKEN');
    expectError(await jo.request('POST', '/templates', { name: 'Bad', body: 'Hi {{first name}}' }), 400, 'VALIDATION_ERROR', /first name/);
    // Another user may use the same name.
    expect((await (await newUser()).request('POST', '/templates', { name: 'Reminder', body: 'x' })).status).toBe(201);

    const id = created.body.templateId;
    expectError(
      await jo.request('POST', '/notifications', { to: freshNumber(), templateId: id, variables: { name: 'Jo' } }),
      400,
      'VALIDATION_ERROR',
      /"time"/,
    );
    const sent = await jo.request('POST', '/notifications', { to: freshNumber(), templateId: id, variables: { name: 'Jo', time: '9:00' } });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ templateId: id, body: 'Hi Jo, see you at 9:00. Reply STOP to opt out.' });

    const renamed = await jo.request('PATCH', `/templates/${id}`, { name: 'Visit' });
    expect(renamed.body.name).toBe('Visit');
    // The old name is free again.
    expect((await jo.request('POST', '/templates', { name: 'Reminder', body: 'again' })).status).toBe(201);
    expect((await jo.request('GET', '/templates')).body.items.map((t: { name: string }) => t.name).sort()).toEqual(['Reminder', 'Visit']);
    expect((await jo.request('DELETE', `/templates/${id}`)).status).toBe(204);
    expectError(await jo.request('GET', `/templates/${id}`), 404, 'NOT_FOUND');
  });

  it('keeps settings per user, and quiet hours hold a send as scheduled until they end unless it is urgent', async () => {
    const kim = await newUser();
    expect((await kim.request('GET', '/settings')).body).toEqual({ quietHours: null, dedupWindowSeconds: 60, optOutFooter: ' Reply STOP to opt out.' });
    // A window that always holds "now": from the current UTC minute to the one just before it.
    const now = new Date();
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const quietHours = { start: hhmm(now), end: hhmm(new Date(now.getTime() - 60_000)), timezone: 'UTC' };
    const saved = await kim.request('PUT', '/settings', { quietHours, optOutFooter: null });
    expect(saved.body).toEqual({ quietHours, dedupWindowSeconds: 60, optOutFooter: null });
    expectError(await kim.request('PUT', '/settings', { dedupWindowSeconds: 90_000 }), 400, 'VALIDATION_ERROR', /86400/);
    expectError(await kim.request('PUT', '/settings', { quietHours: { start: '25:00', end: '08:00', timezone: 'UTC' } }), 400, 'VALIDATION_ERROR');

    const held = await kim.request('POST', '/notifications', { to: freshNumber(), body: 'Not now.' });
    expect(held.body.status).toBe('scheduled');
    expect(Date.parse(held.body.sendAt)).toBeGreaterThan(Date.now() + 23 * 3_600_000 - 120_000);
    const urgent = await kim.request('POST', '/notifications', { to: freshNumber(), body: 'Now!', priority: 10 });
    expect(urgent.body).toMatchObject({ status: 'pending', body: 'Now!' });
  });

  it('creates a batch item by item: a bad item fails alone, the good ones are sent', async () => {
    const lee = await newUser();
    const [a, b] = [freshNumber(), freshNumber()];
    const batch = await lee.request('POST', '/notifications/batch', {
      items: [
        { to: a, body: 'One' },
        { to: 'nope', body: 'Two' },
        { to: b, body: 'Three', sendAt: new Date(Date.now() + 1_000).toISOString() },
        { to: a, body: 'One' },
      ],
    });
    expect(batch.status).toBe(200);
    const results = batch.body.results;
    expect(results.map((r: { index: number; status: number }) => [r.index, r.status])).toEqual([
      [0, 201],
      [1, 400],
      [2, 201],
      [3, 200],
    ]);
    expect(results[1].error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/to must be a valid phone number/) });
    expect(results[3].notification).toMatchObject({ notificationId: results[0].notification.notificationId, duplicate: true });
    expect(results[2].notification.status).toBe('scheduled');
    await eventually(async () => ((await messagesTo(a)).length === 1 && (await messagesTo(b)).length === 1 ? true : undefined), 20_000, 'both messages');

    expectError(await lee.request('POST', '/notifications/batch', { items: [] }), 400, 'VALIDATION_ERROR', /at least one/);
    expectError(
      await lee.request('POST', '/notifications/batch', { items: Array.from({ length: 101 }, () => ({ to: a, body: 'x' })) }),
      400,
      'VALIDATION_ERROR',
      /at most 100/,
    );
  });

  it("keeps every opt-out and opt-in in the history, and a STOP ends the recipient's scheduled sends", async () => {
    const max = await newUser();
    const to = freshNumber();
    const path = `/opt-outs/${encodeURIComponent(to)}`;
    expect((await max.request('GET', path)).body).toEqual({ phone: to, optedOut: false, history: [] });
    const scheduled = await max.request('POST', '/notifications', { to, body: 'Tomorrow.', sendAt: new Date(Date.now() + 86_400_000).toISOString() });

    const inbound = (body: string) => api.request('POST', '/local/twilio/inbound', { from: to, to: runtime.twilio.fromNumber, body });
    expect((await inbound('STOP')).body).toMatchObject({ status: 200 });
    const stopped = await max.request('GET', `/notifications/${scheduled.body.notificationId}`);
    expect(stopped.body).toMatchObject({ status: 'suppressed', errorCode: '21610' });
    expect((await inbound('START')).body).toMatchObject({ status: 200 });
    expect((await max.request('PUT', path, { optedOut: true })).status).toBe(200);
    expectError(await max.request('PUT', path, { optedOut: false }), 403, 'FORBIDDEN', /START/);

    const status = await max.request('GET', path);
    expect(status.body.optedOut).toBe(true);
    expect(status.body.history.map((h: { action: string; source: string }) => `${h.action}:${h.source}`)).toEqual([
      'opt_out:keyword',
      'opt_in:keyword',
      'opt_out:api',
    ]);
    expectError(await max.request('GET', '/opt-outs/not-a-number'), 400, 'VALIDATION_ERROR', /E\.164/);
  });

  it('delivers a priority send through the priority lane', async () => {
    const ned = await newUser();
    const to = freshNumber();
    const created = await ned.request('POST', '/notifications', { to, body: 'Urgent: call back.', priority: 7 });
    expect(created.body).toMatchObject({ priority: 7, status: 'pending' });
    await eventually(
      async () => {
        const { body } = await ned.request('GET', `/notifications/${created.body.notificationId}`);
        return body.status === 'delivered' ? body : undefined;
      },
      20_000,
      'the priority send',
    );
    expect(await messagesTo(to)).toHaveLength(1);
  });

  it('lets a rule name a template, refusing one that could render over 1,600 characters', async () => {
    const olga = await newUser();
    const to = freshNumber();
    const short = await olga.request('POST', '/templates', { name: 'Upload', body: 'Got {{fileName}} ({{sizeKb}} KB).' });
    const long = await olga.request('POST', '/templates', { name: 'Long', body: `${'x'.repeat(1300)} {{fileName}} {{tags}}` });
    const foreign = await olga.request('POST', '/templates', { name: 'Foreign', body: 'Hi {{firstName}}' });
    const rule = { eventType: 'file_upload', notifyVia: 'sms', target: to };
    expectError(await olga.request('POST', '/rules', { ...rule, templateId: long.body.templateId }), 400, 'VALIDATION_ERROR', /can render 2075 characters/);
    expectError(await olga.request('POST', '/rules', { ...rule, templateId: foreign.body.templateId }), 400, 'VALIDATION_ERROR', /firstName/);
    expectError(await olga.request('POST', '/rules', { ...rule, templateId: 'missing' }), 400, 'VALIDATION_ERROR', /not found/);
    expectError(
      await olga.request('POST', '/rules', { ...rule, templateId: short.body.templateId, messageTemplate: 'x' }),
      400,
      'VALIDATION_ERROR',
      /not both/,
    );
    const created = await olga.request('POST', '/rules', { ...rule, templateId: short.body.templateId });
    expect(created.status).toBe(201);
    expect(created.body.templateId).toBe(short.body.templateId);

    const { fileId } = await olga.upload({ fileName: 'plan.txt', contentType: 'text/plain', content: 'x'.repeat(2048) });
    await eventually(async () => ((await messagesTo(to)).length === 1 ? true : undefined), 20_000, "the rule's message");
    // The first text to a recipient tells them how to opt out; the next one does not repeat it.
    expect((await messagesTo(to))[0]!.body).toBe('Got plan.txt (2 KB). Reply STOP to opt out.');
    const listed = await olga.request('GET', `/notifications?fileId=${fileId}&source=rule`);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ source: 'rule', fileId });
    await olga.upload({ fileName: 'plan-2.txt', contentType: 'text/plain', content: 'x'.repeat(1024) });
    await eventually(async () => ((await messagesTo(to)).length === 2 ? true : undefined), 20_000, "the rule's second message");
    expect((await messagesTo(to)).map((m: { body: string }) => m.body).sort()).toEqual([
      'Got plan-2.txt (1 KB).',
      'Got plan.txt (2 KB). Reply STOP to opt out.',
    ]);
  });
});
