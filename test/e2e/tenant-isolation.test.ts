import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../lib/local/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { sampleImages } from '../../lib/local/sample-images.ts';
import { routes } from '../../shared/topology.ts';

let runtime: LocalRuntime;
let api: ApiClient;

/** Alice and what she owns; Mallory (a signed-in user too) tries to reach it. */
let alice: ApiClient;
let mallory: ApiClient;
const aliceId = `alice+${randomUUID()}@example.com`;
const malloryId = `mallory-${randomUUID()}`;
const owned = {
  fileIds: [] as string[],
  ruleIds: [] as string[],
  notificationIds: [] as string[],
  messageIds: [] as string[],
  templateIds: [] as string[],
  cursors: {} as Record<string, string>,
};
/** Alice's lines, calls and conversations. */
const voice = { lineIds: [] as string[], numbers: [] as string[], callIds: [] as string[], conversationIds: [] as string[] };
const aliceImage = sampleImages.png('alice-secret-image');

type Response = Awaited<ReturnType<ApiClient['request']>>;

/** Nothing in the answer names anything of Alice's, save the id the request itself named. */
function revealsNothing(response: Response, asked?: string) {
  for (const secret of [
    aliceId,
    'alice-secret',
    ...owned.fileIds,
    ...owned.ruleIds,
    ...owned.notificationIds,
    ...owned.messageIds,
    ...owned.templateIds,
    ...voice.lineIds,
    ...voice.callIds,
    ...voice.conversationIds,
  ]) {
    if (secret !== asked) expect(response.text).not.toContain(secret);
  }
}

function refused(response: Response, status: number, code: string, asked?: string) {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  revealsNothing(response, asked);
}

const enc = encodeURIComponent;

/** One message of Mallory's own, posted the first time an attack needs it. */
let mallorysMessageId: Promise<string> | undefined;
const mallorysMessage = () =>
  (mallorysMessageId ??= mallory
    .request('POST', '/messages', { from: '+14155550143', to: '+14155550142', message: 'mallory' })
    .then((posted) => posted.body.messageId as string));

beforeAll(async () => {
  // Mallory tries every user route within half a second, more than the per-user burst of 100
  // allows; that limit has its own tests (test/functions/user-rate-limit.test.ts).
  process.env.USER_RATE_BURST = '1000';
  runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', callbackDelaysMs: { sent: 5, delivered: 10 } });
  api = new ApiClient(runtime.url);
  alice = api.as(await runtime.token(aliceId));
  mallory = api.as(await runtime.token(malloryId));

  for (const target of ['+14155550141', '+14155550142']) {
    const rule = await alice.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target });
    owned.ruleIds.push(rule.body.ruleId);
  }
  for (const name of ['alice-secret-1.pdf', 'alice-secret-2.pdf']) {
    const { fileId } = await alice.upload({ fileName: name, contentType: 'application/pdf', content: 'secret', tags: ['alice-secret'] });
    owned.fileIds.push(fileId);
  }
  const notifications = await eventually(
    async () => {
      const { body } = await alice.request('GET', '/notifications');
      return body.items.length === 4 ? body.items : undefined;
    },
    15_000,
    "Alice's notifications",
  );
  owned.notificationIds.push(...notifications.map((n: { notificationId: string }) => n.notificationId));
  await eventually(async () => ((await alice.request('GET', '/files')).body.items.length === 2 ? true : undefined));

  // The messaging API's objects: a template, a send scheduled a day ahead, settings.
  const template = await alice.request('POST', '/templates', { name: 'alice-secret-template', body: 'Hi {{name}}' });
  owned.templateIds.push(template.body.templateId);
  const scheduled = await alice.request('POST', '/notifications', {
    to: '+14155550143',
    templateId: template.body.templateId,
    variables: { name: 'alice-secret' },
    sendAt: new Date(Date.now() + 86_400_000).toISOString(),
    idempotencyKey: 'alice-key',
  });
  owned.notificationIds.push(scheduled.body.notificationId);
  await alice.request('PUT', '/settings', { dedupWindowSeconds: 777 });

  owned.cursors.files = (await alice.request('GET', '/files?limit=1')).body.nextCursor;
  owned.cursors.filesByTag = (await alice.request('GET', '/files?tag=alice-secret&limit=1')).body.nextCursor;
  owned.cursors.rules = (await alice.request('GET', '/rules?limit=1')).body.nextCursor;
  owned.cursors.notifications = (await alice.request('GET', '/notifications?limit=1')).body.nextCursor;
  owned.cursors.longpoll = (await alice.request('GET', '/notifications/longpoll?timeout=0')).body.cursor;
  for (const message of ['alice-secret one', 'the same text']) {
    const posted = await alice.request('POST', '/messages', { from: '+14155550141', to: '+14155550142', message });
    expect(posted.status).toBe(202);
    owned.messageIds.push(posted.body.messageId);
  }
  expect((await alice.request('POST', `/messages/${owned.messageIds[0]}/media`, aliceImage, { 'content-type': 'image/png' })).status).toBe(201);
  owned.cursors.messages = (await alice.request('GET', '/messages?limit=1')).body.nextCursor;

  // Voice: two lines, an answered call to each (no auto-reply), and a conversation from a customer's text to each.
  for (const [i, number] of ['+14155550191', '+14155550192'].entries()) {
    runtime.phoneNumbers.add(number);
    const line = await alice.request('POST', '/lines', { number, forwardTo: '+14155550199', businessName: 'alice-secret business' });
    expect(line.status).toBe(201);
    voice.lineIds.push(line.body.lineId);
    voice.numbers.push(number);
    const played = await api.request('POST', '/local/twilio/calls', { from: `+1415555017${i}`, to: number, answer: 'answered' });
    voice.callIds.push(played.body.callSid);
    await api.request('POST', '/local/twilio/inbound', { from: `+1415555018${i}`, to: number, body: 'alice-secret question' });
  }
  voice.conversationIds.push(
    ...(await eventually(
      async () => {
        const { body } = await alice.request('GET', '/conversations');
        return body.items.length === 2 ? body.items.map((c: { conversationId: string }) => c.conversationId) : undefined;
      },
      15_000,
      "Alice's conversations",
    )),
  );
  owned.cursors.lines = (await alice.request('GET', '/lines?limit=1')).body.nextCursor;
  owned.cursors.calls = (await alice.request('GET', '/calls?limit=1')).body.nextCursor;
  owned.cursors.conversations = (await alice.request('GET', '/conversations?limit=1')).body.nextCursor;
  for (const [name, cursor] of Object.entries(owned.cursors)) expect(cursor, name).toEqual(expect.any(String));
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

/** One attack per user route, each as a signed-in stranger would try it. */
const attacks: Record<string, () => Promise<void>> = {
  'POST /uploads': async () => {
    for (const fileName of [`../${aliceId}/x.pdf`, '..\\x.pdf', `uploads/${aliceId}/x.pdf`]) {
      refused(await mallory.request('POST', '/uploads', { fileName, contentType: 'application/pdf', size: 1 }), 400, 'VALIDATION_ERROR');
    }
    for (const extra of [{ userId: aliceId }, { key: `uploads/${enc(aliceId)}/x` }]) {
      refused(await mallory.request('POST', '/uploads', { fileName: 'x.pdf', contentType: 'application/pdf', size: 1, ...extra }), 400, 'VALIDATION_ERROR');
    }
    // Encoded separators are only characters of a name: the key is the server's.
    const upload = await mallory.request('POST', '/uploads', { fileName: `..%2F${enc(aliceId)}%2Fx.pdf`, contentType: 'application/pdf', size: 1 });
    expect(upload.status).toBe(201);
    const key: string = upload.body.fields.key;
    expect(key).toBe(`uploads/${enc(malloryId)}/${upload.body.fileId}`);
    expect(key.startsWith(`uploads/${enc(malloryId)}/`)).toBe(true);
    // The signed policy pins exactly that key, so S3 refuses the form with any other.
    const policy = JSON.parse(Buffer.from(upload.body.fields.Policy, 'base64').toString('utf8'));
    expect(policy.conditions).toContainEqual({ key });
    expect(Date.parse(policy.expiration) - Date.now()).toBeLessThanOrEqual(300_000);
  },
  'GET /files': async () => {
    for (const query of ['', 'name=alice', 'tag=alice-secret', 'type=pdf', 'from=2000-01-01&to=2100-01-01', `userId=${enc(aliceId)}`]) {
      const response = await mallory.request('GET', `/files?${query}`);
      revealsNothing(response);
      if (response.status === 200) expect(response.body.items).toEqual([]);
      else expect(response.status).toBe(400);
    }
    refused(await mallory.request('GET', `/files?limit=1&cursor=${enc(owned.cursors.files!)}`), 400, 'INVALID_CURSOR');
    refused(await mallory.request('GET', `/files?tag=alice-secret&limit=1&cursor=${enc(owned.cursors.filesByTag!)}`), 400, 'INVALID_CURSOR');
  },
  'GET /files/{fileId}': async () => {
    const missing = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const absent = await mallory.request('GET', `/files/${missing}`);
    for (const fileId of owned.fileIds) {
      const response = await mallory.request('GET', `/files/${fileId}`);
      refused(response, 404, 'NOT_FOUND', fileId);
      expect(response.text.replaceAll(fileId, missing)).toBe(absent.text);
    }
  },
  'POST /rules': async () => {
    refused(
      await mallory.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550143', userId: aliceId }),
      400,
      'VALIDATION_ERROR',
    );
    refused(
      await mallory.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550143', ruleId: owned.ruleIds[0] }),
      400,
      'VALIDATION_ERROR',
    );
  },
  'GET /rules': async () => {
    const mine = await mallory.request('GET', '/rules');
    revealsNothing(mine);
    refused(await mallory.request('GET', `/rules?limit=1&cursor=${enc(owned.cursors.rules!)}`), 400, 'INVALID_CURSOR');
  },
  'GET /rules/{ruleId}': async () => {
    for (const ruleId of owned.ruleIds) refused(await mallory.request('GET', `/rules/${ruleId}`), 404, 'NOT_FOUND', ruleId);
  },
  'PATCH /rules/{ruleId}': async () => {
    for (const ruleId of owned.ruleIds) refused(await mallory.request('PATCH', `/rules/${ruleId}`, { target: '+14155550199' }), 404, 'NOT_FOUND', ruleId);
  },
  'DELETE /rules/{ruleId}': async () => {
    for (const ruleId of owned.ruleIds) refused(await mallory.request('DELETE', `/rules/${ruleId}`), 404, 'NOT_FOUND', ruleId);
  },
  'GET /notifications': async () => {
    for (const query of ['', `fileId=${owned.fileIds[0]}`, 'status=delivered', `fileId=${owned.fileIds[1]}&status=delivered`]) {
      const response = await mallory.request('GET', `/notifications?${query}`);
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([]);
      revealsNothing(response);
    }
    refused(await mallory.request('GET', `/notifications?limit=1&cursor=${enc(owned.cursors.notifications!)}`), 400, 'INVALID_CURSOR');
  },
  'POST /messages': async () => {
    refused(await mallory.request('POST', '/messages', { from: '+14155550141', to: '+14155550142', message: 'x', owner: aliceId }), 400, 'VALIDATION_ERROR');
    // The same text from the same number is Mallory's own message, no duplicate of Alice's.
    const own = await mallory.request('POST', '/messages', { from: '+14155550141', to: '+14155550142', message: 'the same text' });
    expect(own.status).toBe(202);
    revealsNothing(own);
  },
  'GET /messages': async () => {
    for (const query of ['', 'from=%2B14155550141', 'to=%2B14155550142', 'status=received', 'from=%2B14155550141&to=%2B14155550142&status=processed']) {
      const response = await mallory.request('GET', `/messages?${query}`);
      expect(response.status).toBe(200);
      revealsNothing(response);
      for (const item of response.body.items) expect(item.message).not.toContain('alice-secret');
    }
    refused(await mallory.request('GET', `/messages?limit=1&cursor=${enc(owned.cursors.messages!)}`), 400, 'INVALID_CURSOR');
  },
  'GET /messages/{messageId}': async () => {
    for (const messageId of owned.messageIds) refused(await mallory.request('GET', `/messages/${messageId}`), 404, 'NOT_FOUND', messageId);
  },
  'POST /messages/{messageId}/media': async () => {
    for (const messageId of owned.messageIds) {
      refused(await mallory.request('POST', `/messages/${messageId}/media`, aliceImage, { 'content-type': 'image/png' }), 404, 'NOT_FOUND', messageId);
    }
    // The same bytes on Mallory's own message are a new image of hers, not a link to Alice's.
    const attached = await mallory.request('POST', `/messages/${await mallorysMessage()}/media`, aliceImage, { 'content-type': 'image/png' });
    expect(attached.status).toBe(201);
    expect(attached.body.deduplicated).toBeUndefined();
    expect(new URL(attached.body.url).pathname).not.toContain(enc(enc(aliceId)));
  },
  'GET /messages/{messageId}/media': async () => {
    for (const messageId of owned.messageIds) refused(await mallory.request('GET', `/messages/${messageId}/media`), 404, 'NOT_FOUND', messageId);
  },
  'POST /messages/{messageId}/media/uploads': async () => {
    refused(await mallory.request('POST', `/messages/${owned.messageIds[0]}/media/uploads`), 404, 'NOT_FOUND', owned.messageIds[0]);
    // A form for her own message cannot be turned on Alice's: the policy pins the key.
    const form = await mallory.request('POST', `/messages/${await mallorysMessage()}/media/uploads`);
    expect(form.status).toBe(201);
    const body = new FormData();
    const fields = {
      ...(form.body.fields as Record<string, string>),
      key: `media-uploads/${enc(`user#${aliceId}`)}/${owned.messageIds[0]}/${form.body.uploadId}`,
    };
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    body.append('file', new Blob([aliceImage]), 'picture.png');
    const posted = await fetch(form.body.url, { method: 'POST', body });
    expect(posted.status).toBe(403);
    await posted.arrayBuffer();
  },
  'GET /metrics': async () => {
    const metrics = await mallory.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body.messages.totalProcessed).toBeLessThanOrEqual(2);
    revealsNothing(metrics);
  },
  'GET /notifications/longpoll': async () => {
    refused(await mallory.request('GET', `/notifications/longpoll?timeout=0&since=${enc(owned.cursors.longpoll!)}`), 400, 'INVALID_CURSOR');
    refused(await mallory.request('GET', `/notifications/longpoll?timeout=0&since=${enc(owned.cursors.notifications!)}`), 400, 'INVALID_CURSOR');
    const own = await mallory.request('GET', '/notifications/longpoll?timeout=0');
    expect(own.body.items).toEqual([]);
    revealsNothing(own);
  },
  'POST /notifications': async () => {
    // Alice's idempotency key and template are hers alone.
    const own = await mallory.request('POST', '/notifications', {
      to: '+14155550144',
      body: 'mine',
      idempotencyKey: 'alice-key',
      sendAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(own.status).toBe(201);
    revealsNothing(own);
    refused(
      await mallory.request('POST', '/notifications', { to: '+14155550144', templateId: owned.templateIds[0], variables: { name: 'x' } }),
      400,
      'VALIDATION_ERROR',
      owned.templateIds[0],
    );
    await mallory.request('DELETE', `/notifications/${own.body.notificationId}`);
  },
  'POST /notifications/batch': async () => {
    const response = await mallory.request('POST', '/notifications/batch', {
      items: [{ to: '+14155550144', templateId: owned.templateIds[0], variables: { name: 'x' } }],
    });
    expect(response.status).toBe(200);
    expect(response.body.results[0].status).toBe(400);
    revealsNothing(response, owned.templateIds[0]);
  },
  'GET /notifications/{notificationId}': async () => {
    for (const id of owned.notificationIds) refused(await mallory.request('GET', `/notifications/${id}`), 404, 'NOT_FOUND', id);
  },
  'DELETE /notifications/{notificationId}': async () => {
    for (const id of owned.notificationIds) refused(await mallory.request('DELETE', `/notifications/${id}`), 404, 'NOT_FOUND', id);
  },
  'PATCH /notifications/{notificationId}': async () => {
    const sendAt = new Date(Date.now() + 3_600_000).toISOString();
    for (const id of owned.notificationIds) refused(await mallory.request('PATCH', `/notifications/${id}`, { sendAt }), 404, 'NOT_FOUND', id);
  },
  'POST /templates': async () => {
    // Names are unique per user: Alice's name is free for Mallory, and says nothing of hers.
    const own = await mallory.request('POST', '/templates', { name: 'alice-secret-template', body: 'x' });
    expect(own.status).toBe(201);
    expect(own.body.templateId).not.toBe(owned.templateIds[0]);
    await mallory.request('DELETE', `/templates/${own.body.templateId}`);
  },
  'GET /templates': async () => {
    const response = await mallory.request('GET', '/templates');
    expect(response.body.items).toEqual([]);
    revealsNothing(response);
  },
  'GET /templates/{templateId}': async () => {
    for (const id of owned.templateIds) refused(await mallory.request('GET', `/templates/${id}`), 404, 'NOT_FOUND', id);
  },
  'PATCH /templates/{templateId}': async () => {
    for (const id of owned.templateIds) refused(await mallory.request('PATCH', `/templates/${id}`, { body: 'y' }), 404, 'NOT_FOUND', id);
  },
  'DELETE /templates/{templateId}': async () => {
    for (const id of owned.templateIds) refused(await mallory.request('DELETE', `/templates/${id}`), 404, 'NOT_FOUND', id);
  },
  'GET /settings': async () => {
    expect((await mallory.request('GET', '/settings')).body.dedupWindowSeconds).toBe(60);
  },
  'PUT /settings': async () => {
    refused(await mallory.request('PUT', '/settings', { userId: aliceId, dedupWindowSeconds: 1 }), 400, 'VALIDATION_ERROR');
    await mallory.request('PUT', '/settings', { dedupWindowSeconds: 5 });
    expect((await alice.request('GET', '/settings')).body.dedupWindowSeconds).toBe(777);
  },
  'GET /opt-outs/{phone}': async () => {
    // Consent is the deployment's, per number; it carries nothing of any user's.
    const response = await mallory.request('GET', `/opt-outs/${enc('+14155550143')}`);
    expect(response.body).toEqual({ phone: '+14155550143', optedOut: false, history: [] });
  },
  'PUT /opt-outs/{phone}': async () => {
    refused(await mallory.request('PUT', `/opt-outs/${enc('+14155550143')}`, { optedOut: false }), 403, 'FORBIDDEN');
  },
  'POST /lines': async () => {
    // A number belongs to one line: Mallory cannot take Alice's, nor smuggle an owner in.
    for (const number of voice.numbers) refused(await mallory.request('POST', '/lines', { number, forwardTo: '+14155550198' }), 409, 'CONFLICT');
    refused(await mallory.request('POST', '/lines', { number: '+15005550006', forwardTo: '+14155550198', userId: aliceId }), 400, 'VALIDATION_ERROR');
  },
  'GET /lines': async () => {
    const response = await mallory.request('GET', '/lines');
    expect(response.body.items).toEqual([]);
    revealsNothing(response);
    refused(await mallory.request('GET', `/lines?limit=1&cursor=${enc(owned.cursors.lines!)}`), 400, 'INVALID_CURSOR');
  },
  'GET /lines/{lineId}': async () => {
    for (const id of voice.lineIds) refused(await mallory.request('GET', `/lines/${id}`), 404, 'NOT_FOUND', id);
  },
  'PATCH /lines/{lineId}': async () => {
    for (const id of voice.lineIds) refused(await mallory.request('PATCH', `/lines/${id}`, { forwardTo: '+14155550198' }), 404, 'NOT_FOUND', id);
  },
  'DELETE /lines/{lineId}': async () => {
    for (const id of voice.lineIds) refused(await mallory.request('DELETE', `/lines/${id}`), 404, 'NOT_FOUND', id);
  },
  'GET /calls': async () => {
    for (const query of ['', `lineId=${voice.lineIds[0]}`, 'status=answered', `from=${enc('+14155550170')}`]) {
      const response = await mallory.request('GET', `/calls?${query}`);
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([]);
      revealsNothing(response, voice.lineIds[0]);
    }
    refused(await mallory.request('GET', `/calls?limit=1&cursor=${enc(owned.cursors.calls!)}`), 400, 'INVALID_CURSOR');
  },
  'GET /calls/{callId}': async () => {
    for (const id of voice.callIds) refused(await mallory.request('GET', `/calls/${id}`), 404, 'NOT_FOUND', id);
  },
  'GET /conversations': async () => {
    for (const query of ['', `lineId=${voice.lineIds[0]}`, 'status=open']) {
      const response = await mallory.request('GET', `/conversations?${query}`);
      expect(response.body.items).toEqual([]);
      revealsNothing(response, voice.lineIds[0]);
    }
    refused(await mallory.request('GET', `/conversations?limit=1&cursor=${enc(owned.cursors.conversations!)}`), 400, 'INVALID_CURSOR');
  },
  'GET /conversations/{conversationId}': async () => {
    for (const id of voice.conversationIds) refused(await mallory.request('GET', `/conversations/${id}`), 404, 'NOT_FOUND', id);
  },
  'POST /conversations/{conversationId}/messages': async () => {
    for (const id of voice.conversationIds) refused(await mallory.request('POST', `/conversations/${id}/messages`, { body: 'hi' }), 404, 'NOT_FOUND', id);
  },
  'PATCH /conversations/{conversationId}': async () => {
    for (const id of voice.conversationIds) refused(await mallory.request('PATCH', `/conversations/${id}`, { status: 'closed' }), 404, 'NOT_FOUND', id);
  },
};

describe('tenant isolation, tried as an attacker would', () => {
  const userRoutes = routes.filter((r) => r.auth === 'user').map((r) => `${r.method} ${r.path}`);

  it('has an attack for every user route, so a new route cannot skip this test', () => {
    expect(Object.keys(attacks).sort()).toEqual([...userRoutes].sort());
  });

  it.each(userRoutes)('%s gives a stranger nothing of another user’s', async (route) => {
    await attacks[route]!();
  });

  it('leaves everything of Alice’s as it was', async () => {
    for (const ruleId of owned.ruleIds) expect((await alice.request('GET', `/rules/${ruleId}`)).body.target).toMatch(/^\+1415555014[12]$/);
    expect((await alice.request('GET', '/files')).body.items.map((f: { fileId: string }) => f.fileId).sort()).toEqual([...owned.fileIds].sort());
    expect((await alice.request('GET', '/notifications')).body.items).toHaveLength(5);
    expect((await alice.request('GET', `/notifications/${owned.notificationIds.at(-1)}`)).body.status).toBe('scheduled');
    expect((await alice.request('GET', `/templates/${owned.templateIds[0]}`)).body.body).toBe('Hi {{name}}');
    expect((await alice.request('GET', '/lines')).body.items.map((l: { forwardTo: string }) => l.forwardTo)).toEqual(['+14155550199', '+14155550199']);
    expect((await alice.request('GET', '/calls')).body.items).toHaveLength(2);
    const conversations = (await alice.request('GET', '/conversations')).body.items;
    expect(conversations.map((c: { status: string }) => c.status)).toEqual(['open', 'open']);
  });

  it('signs download links that expire within 15 minutes', async () => {
    const links = [
      (await alice.request('GET', `/files/${owned.fileIds[0]}`)).body.downloadUrl,
      ...(await alice.request('GET', '/files')).body.items.map((f: { downloadUrl: string }) => f.downloadUrl),
    ];
    for (const link of links) {
      const url = new URL(link);
      const expires = Number(url.searchParams.get('X-Amz-Expires'));
      expect(expires).toBeGreaterThan(0);
      expect(expires).toBeLessThanOrEqual(900);
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(url.pathname).toContain(`/uploads/${enc(enc(aliceId))}/`);
    }
  });

  it('records nothing for the owner when an object lands under their prefix without their upload request', async () => {
    // S3 refuses such a form (the policy pins the key), and so does the local S3 front; the
    // next line of defence stands behind it: no upload intent, no file.
    const forged = await mallory.request('POST', '/uploads', { fileName: 'x.pdf', contentType: 'application/pdf', size: 1 });
    const form = new FormData();
    for (const [k, v] of Object.entries(forged.body.fields as Record<string, string>)) form.append(k, v);
    form.set('key', `uploads/${enc(aliceId)}/${forged.body.fileId}`);
    form.append('file', new Blob(['x'], { type: 'application/pdf' }), 'x.pdf');
    expect((await fetch(forged.body.url, { method: 'POST', body: form })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await alice.request('GET', '/files')).body.items).toHaveLength(2);
    expect((await alice.request('GET', `/files/${forged.body.fileId}`)).status).toBe(404);
  });
});
