import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0 });
  api = new ApiClient(runtime.url);
});

afterAll(async () => {
  await runtime?.stop();
});

async function notificationsFor(client: ApiClient, fileId: string) {
  const { status, body } = await client.request('GET', `/notifications?fileId=${fileId}`);
  expect(status).toBe(200);
  return body.items as Array<Record<string, any>>;
}

describe('the pipeline, end to end through HTTP', () => {
  it('delivers one SMS naming the uploaded file, and records its status', async () => {
    const alice = api.as(await api.tokenFor('alice'));
    const rule = await alice.request('POST', '/rules', {
      eventType: 'file_upload',
      fileType: 'PDF',
      fileNameRegex: '^invoice',
      notifyVia: 'sms',
      target: '+14155550100',
    });
    expect(rule.status).toBe(201);
    expect(rule.body).toMatchObject({ fileType: 'pdf', isActive: true, target: '+14155550100' });

    const { fileId } = await alice.upload({ fileName: 'invoice-2026.pdf', contentType: 'application/pdf', content: 'x'.repeat(2048) });

    const [delivered] = await eventually(
      async () => {
        const items = await notificationsFor(alice, fileId);
        return items.length === 1 && items[0]!.status === 'delivered' ? items : undefined;
      },
      20_000,
      'the notification to be delivered',
    );
    expect(delivered).toMatchObject({ fileId, ruleId: rule.body.ruleId, channel: 'sms', target: '+14155550100', attempts: 1 });
    expect(delivered!.messageSid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(delivered).toMatchObject({ encoding: 'GSM-7', segments: 1 });

    const sent = (await api.request('GET', '/local/twilio/messages')).body.items.filter((m: { to: string }) => m.to === '+14155550100');
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toContain('invoice-2026.pdf');
    expect(sent[0].sid).toBe(delivered!.messageSid);

    const file = await alice.request('GET', `/files/${fileId}`);
    expect(file.status).toBe(200);
    expect(file.body).toMatchObject({ fileId, fileName: 'invoice-2026.pdf', fileType: 'pdf', contentType: 'application/pdf', sizeBytes: 2048 });
    expect(file.body.notifications.map((n: { status: string }) => n.status)).toEqual(['delivered']);
    const download = await fetch(file.body.downloadUrl);
    expect(download.status).toBe(200);
    expect((await download.text()).length).toBe(2048);
  });

  it('keeps a recorded file as it was when its upload form is used again, sends nothing more, and pins its link', async () => {
    const carol = api.as(await api.tokenFor('carol-reuse'));
    await carol.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550166' });
    const form = await carol.upload({ fileName: 'photo.png', contentType: 'image/png', content: 'p'.repeat(1000) });
    await eventually(async () => ((await notificationsFor(carol, form.fileId))[0]?.status === 'delivered' ? true : undefined), 20_000, 'delivery');

    const again = new FormData();
    for (const [k, v] of Object.entries(form.fields)) again.append(k, v);
    again.append('file', new Blob(['q'.repeat(900)], { type: 'image/png' }), 'photo.png');
    expect((await fetch(form.url, { method: 'POST', body: again })).status).toBeLessThan(300);

    const file = await eventually(
      async () => {
        const answer = await carol.request('GET', `/files/${form.fileId}`);
        return new URL(answer.body.downloadUrl).searchParams.get('X-Amz-SignedHeaders')?.includes('if-match') ? answer.body : undefined;
      },
      20_000,
      'the replaced object to be noticed',
    );
    expect(file).toMatchObject({ fileId: form.fileId, sizeBytes: 1000, contentType: 'image/png' });
    expect(file.notifications).toHaveLength(1);
    // The link signed If-Match with the first object's ETag: S3 refuses it without the header (403)
    // and with it (412), since the object under the key is no longer that one.
    expect((await fetch(file.downloadUrl)).status).toBe(403);
    // The list reads the index items, rewritten with the mark just after the file's own item.
    await eventually(
      async () => {
        const listed = (await carol.request('GET', '/files')).body.items.find((f: { fileId: string }) => f.fileId === form.fileId);
        return new URL(listed.downloadUrl).searchParams.get('X-Amz-SignedHeaders')?.includes('if-match') ? true : undefined;
      },
      20_000,
      'the list to pin the link too',
    );
    const texts = (await api.request('GET', '/local/twilio/messages')).body.items.filter((m: { to: string }) => m.to === '+14155550166');
    expect(texts).toHaveLength(1);
  });

  it('ends a send to an invalid number as failed with 21211 after exactly one attempt', async () => {
    const bob = api.as(await api.tokenFor('bob'));
    await bob.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+15005550001' });
    const { fileId } = await bob.upload({ fileName: 'report.txt', contentType: 'text/plain', content: 'hello' });
    const [failed] = await eventually(
      async () => {
        const items = await notificationsFor(bob, fileId);
        return items[0]?.status === 'failed' ? items : undefined;
      },
      20_000,
      'the notification to fail',
    );
    expect(failed).toMatchObject({ status: 'failed', errorCode: '21211', attempts: 1 });
    expect(failed!.errorMessage).toMatch(/not a valid phone number/);
  });

  it('suppresses later sends to a recipient Twilio reports as opted out (21610)', async () => {
    const hana = api.as(await api.tokenFor('hana'));
    await hana.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+15005550004' });
    const first = await hana.upload({ fileName: 'one.txt', contentType: 'text/plain', content: '1' });
    await eventually(
      async () => {
        const items = await notificationsFor(hana, first.fileId);
        return items[0]?.status === 'failed' ? items : undefined;
      },
      20_000,
      'the first send to fail with 21610',
    );
    const second = await hana.upload({ fileName: 'two.txt', contentType: 'text/plain', content: '2' });
    const [suppressed] = await eventually(
      async () => {
        const items = await notificationsFor(hana, second.fileId);
        return items[0]?.status === 'suppressed' ? items : undefined;
      },
      20_000,
      'the second notification to be suppressed',
    );
    expect(suppressed).toMatchObject({ errorCode: '21610' });
    const attempts = (await api.request('GET', '/local/twilio/messages')).body.items.filter((m: { to: string }) => m.to === '+15005550004');
    expect(attempts).toHaveLength(1);
  });

  it('sends an email notification through the SendGrid simulator', async () => {
    const kim = api.as(await api.tokenFor('kim'));
    await kim.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'email', target: 'Kim@Example.com', messageTemplate: '{{fileName}} is here' });
    const { fileId } = await kim.upload({ fileName: 'contract.pdf', contentType: 'application/pdf', content: 'c' });
    const [sent] = await eventually(
      async () => {
        const items = await notificationsFor(kim, fileId);
        return items[0]?.status === 'sent' ? items : undefined;
      },
      20_000,
      'the email to be sent',
    );
    expect(sent).toMatchObject({ channel: 'email', target: 'kim@example.com', attempts: 1 });
    const emails = (await api.request('GET', '/local/sendgrid/messages')).body.items;
    const mine = emails.filter((e: { to: string[] }) => e.to.includes('kim@example.com'));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ accepted: true, messageId: sent!.messageSid, subject: 'New file: contract.pdf', text: 'contract.pdf is here' });
    expect(mine[0].customArgs).toEqual({ userId: 'kim', notificationId: sent!.notificationId });
  });

  it('matches nothing for a file no rule wants, and keeps users apart', async () => {
    const carol = api.as(await api.tokenFor('carol'));
    const dave = api.as(await api.tokenFor('dave'));
    await carol.request('POST', '/rules', { eventType: 'file_upload', fileType: 'png', notifyVia: 'sms', target: '+14155550101' });
    const { fileId } = await carol.upload({ fileName: 'notes.txt', contentType: 'text/plain', content: 'n' });
    await eventually(async () => ((await carol.request('GET', `/files/${fileId}`)).status === 200 ? true : undefined));
    expect(await notificationsFor(carol, fileId)).toEqual([]);
    expect((await dave.request('GET', `/files/${fileId}`)).status).toBe(404);
    expect((await dave.request('GET', '/rules')).body.items).toEqual([]);
  });

  it('refuses requests without a valid token', async () => {
    const none = await api.request('GET', '/rules');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    // API Gateway's own body as well, as the deployed JWT authorizer answers.
    expect(none.body.message).toBe('Unauthorized');
    const forged = await api.as('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad').request('GET', '/rules');
    expect(forged.status).toBe(401);
    expect(forged.body).toMatchObject({ message: 'Unauthorized', error: { code: 'UNAUTHORIZED' } });
  });

  it('answers an unknown route as the deployed API does (404 {"message":"Not Found"}), with the contract’s error too', async () => {
    const unknown = await api.request('GET', '/no-such-route');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ message: 'Not Found', error: { code: 'NOT_FOUND', message: 'No route for GET /no-such-route.' } });
  });
});
