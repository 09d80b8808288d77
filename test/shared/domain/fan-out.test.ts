import { beforeEach, describe, it, expect } from 'vitest';
import { recordUploadAndFanOut, UnknownUploadError, type FanOutDeps } from '../../../shared/domain/fan-out.ts';
import { objectKeyFor, presentFile } from '../../../shared/domain/files.ts';
import { notificationIdFor } from '../../../shared/domain/ids.ts';
import type { PendingUpload, Rule } from '../../../shared/ports.ts';
import {
  FakeFileRepository,
  FakeFileStore,
  FakeNotificationQueue,
  FakeNotificationRepository,
  FakeRuleRepository,
  FakeSendGuards,
  FakeSettingsRepository,
  frozenClock,
} from '../../support/fake-ports.ts';

const userId = 'alice';
const fileId = '01HZZ00000000000000000000A';
const objectKey = objectKeyFor(userId, fileId);
const eventTime = '2030-01-01T09:30:00.000Z';

function rule(ruleId: string, overrides: Partial<Rule> = {}): Rule {
  return {
    ruleId,
    eventType: 'file_upload',
    notifyVia: 'sms',
    target: '+14155550100',
    isActive: true,
    createdAt: '2029-12-01T00:00:00.000Z',
    updatedAt: '2029-12-01T00:00:00.000Z',
    ...overrides,
  };
}

async function setup(
  opts: { rules?: Rule[]; upload?: Partial<PendingUpload>; object?: { sizeBytes: number; contentType: string; eTag?: string } | null } = {},
) {
  const deps = {
    files: new FakeFileRepository(),
    rules: new FakeRuleRepository(),
    notifications: new FakeNotificationRepository(),
    queue: new FakeNotificationQueue(),
    store: new FakeFileStore(),
  } satisfies FanOutDeps;
  await deps.files.putPendingUpload({
    userId,
    fileId,
    fileName: 'q3-report.pdf',
    contentType: 'application/pdf',
    declaredSize: 300 * 1024,
    tags: ['finance'],
    objectKey,
    expiresAt: 1_900_000_000,
    ...opts.upload,
  });
  if (opts.object !== null) deps.store.objects.set(objectKey, opts.object ?? { sizeBytes: 300 * 1024, contentType: 'application/pdf' });
  for (const r of opts.rules ?? [rule('R1', { fileType: 'pdf' }), rule('R2', { notifyVia: 'whatsapp', fileNameRegex: 'report' })]) {
    await deps.rules.create(userId, r);
  }
  return deps;
}

const event = { key: objectKey, eventTime };
let clock = frozenClock();
const refsOf = (deps: FanOutDeps & { queue: FakeNotificationQueue }) => deps.queue.enqueued.map((r) => r.notificationId).sort();

describe('recordUploadAndFanOut', () => {
  beforeEach(() => {
    clock = frozenClock('2030-01-01T09:30:05.000Z');
  });

  it('gives one pending notification per matching rule, with ids derived from file and rule, and enqueues both', async () => {
    const deps = await setup({
      rules: [rule('R1', { fileType: 'pdf' }), rule('R2', { notifyVia: 'whatsapp', fileNameRegex: 'report' }), rule('R3', { fileType: 'png' })],
    });

    const result = await recordUploadAndFanOut(deps, event, clock);

    const ids = [notificationIdFor(fileId, 'R1'), notificationIdFor(fileId, 'R2')];
    expect(ids[0]).toContain(fileId);
    expect(ids[0]).toContain('R1');
    expect(result).toEqual({ fileId, matched: 2, enqueued: 2 });
    expect(deps.notifications.all().map((n) => n.notificationId)).toEqual(ids);
    expect(refsOf(deps)).toEqual(ids);
    expect(deps.queue.enqueued.every((r) => r.userId === userId)).toBe(true);
    expect(deps.notifications.all()[1]).toEqual({
      userId,
      notificationId: ids[1],
      source: 'rule',
      fileId,
      ruleId: 'R2',
      channel: 'whatsapp',
      target: '+14155550100',
      status: 'pending',
      attempts: 0,
      createdAt: '2030-01-01T09:30:05.000Z',
      updatedAt: '2030-01-01T09:30:05.000Z',
      history: [{ status: 'pending', at: '2030-01-01T09:30:05.000Z' }],
      file: {
        fileName: 'q3-report.pdf',
        fileType: 'pdf',
        contentType: 'application/pdf',
        sizeBytes: 300 * 1024,
        tags: ['finance'],
        uploadedAt: eventTime,
        objectKey,
      },
    });
  });

  it('writes the search index after the notifications are enqueued, and again on a redelivery', async () => {
    const deps = await setup({ rules: [rule('R1')] });
    const order: string[] = [];
    const enqueue = deps.queue.enqueue.bind(deps.queue);
    deps.queue.enqueue = async (refs) => {
      order.push('enqueue');
      return enqueue(refs);
    };
    const indexFile = deps.files.indexFile.bind(deps.files);
    deps.files.indexFile = async (file) => {
      order.push('index');
      return indexFile(file);
    };
    await recordUploadAndFanOut(deps, event, clock);
    expect(order).toEqual(['enqueue', 'index']);
    await recordUploadAndFanOut(deps, event, clock);
    expect(deps.files.indexed).toEqual([fileId, fileId]);
  });

  it("keeps the rule's template on the notification for the sender", async () => {
    const deps = await setup({ rules: [rule('R1', { messageTemplate: 'Got {{fileName}}' })] });
    await recordUploadAndFanOut(deps, event, clock);
    expect(deps.notifications.all()[0]?.messageTemplate).toBe('Got {{fileName}}');
  });

  it("matches only the uploader's rules", async () => {
    const deps = await setup({ rules: [] });
    await deps.rules.create('bob', rule('RB'));
    expect(await recordUploadAndFanOut(deps, event, clock)).toEqual({ fileId, matched: 0, enqueued: 0 });
    expect(deps.notifications.all()).toEqual([]);
  });

  it('records the file once from the stored object', async () => {
    const deps = await setup();
    await recordUploadAndFanOut(deps, event, clock);
    expect(await deps.files.getFile(userId, fileId)).toEqual({
      userId,
      fileId,
      fileName: 'q3-report.pdf',
      fileType: 'pdf',
      contentType: 'application/pdf',
      sizeBytes: 300 * 1024,
      tags: ['finance'],
      uploadedAt: eventTime,
      objectKey,
    });
  });

  it('still leaves exactly two notifications when the same event is delivered twice', async () => {
    const deps = await setup();
    await recordUploadAndFanOut(deps, event, clock);
    clock.advance(60_000);
    await recordUploadAndFanOut(deps, { key: objectKey, eventTime: '2030-01-01T09:31:00.000Z' }, clock);

    const stored = deps.notifications.all();
    expect(stored).toHaveLength(2);
    expect(new Set(stored.map((n) => n.notificationId)).size).toBe(2);
    // The first write stands: the redelivery neither rewrote the notifications nor the file.
    expect(stored.every((n) => n.createdAt === '2030-01-01T09:30:05.000Z' && n.history.length === 1)).toBe(true);
    expect((await deps.files.getFile(userId, fileId))?.uploadedAt).toBe(eventTime);
  });

  describe('an upload form used again within its lifetime', () => {
    const first = { sizeBytes: 300 * 1024, contentType: 'application/pdf', eTag: 'etag-first' };
    const second = { sizeBytes: 9 * 1024 * 1024, contentType: 'application/pdf', eTag: 'etag-second' };

    it('keeps the record of the first object, marks it replaced, and neither matches nor notifies again', async () => {
      const deps = await setup({ object: first });
      await recordUploadAndFanOut(deps, { ...event, eTag: first.eTag }, clock);
      const recorded = await deps.files.getFile(userId, fileId);
      expect(recorded).toMatchObject({ sizeBytes: first.sizeBytes, eTag: first.eTag });
      expect(recorded?.replacedAt).toBeUndefined();
      // A rule made in between would match the second object: it must not fire either.
      await deps.rules.create(userId, rule('R3', { minSizeKb: 1024 }));
      deps.store.objects.set(objectKey, second);
      const enqueuedBefore = deps.queue.enqueued.length;

      const result = await recordUploadAndFanOut(deps, { key: objectKey, eventTime: '2030-01-01T09:32:00.000Z', eTag: second.eTag }, clock);

      expect(result).toEqual({ fileId, matched: 0, enqueued: 0, replaced: true });
      expect(await deps.files.getFile(userId, fileId)).toEqual({ ...recorded, replacedAt: '2030-01-01T09:32:00.000Z' });
      expect(deps.notifications.all()).toHaveLength(2);
      expect(deps.queue.enqueued).toHaveLength(enqueuedBefore);
    });

    it('still finishes the first object’s notifications when its own event comes again after the replacement', async () => {
      const deps = await setup({ object: first });
      await recordUploadAndFanOut(deps, { ...event, eTag: first.eTag }, clock);
      deps.store.objects.set(objectKey, second);
      await recordUploadAndFanOut(deps, { key: objectKey, eventTime: '2030-01-01T09:32:00.000Z', eTag: second.eTag }, clock);

      const redelivered = await recordUploadAndFanOut(deps, { ...event, eTag: first.eTag }, clock);

      expect(redelivered).toMatchObject({ matched: 2 });
      expect(deps.notifications.all()).toHaveLength(2);
    });

    it('pins the download link of a replaced file to the recorded ETag, and only of a replaced one', async () => {
      const store = new FakeFileStore();
      const file = {
        userId,
        fileId,
        fileName: 'a.pdf',
        fileType: 'pdf',
        contentType: 'application/pdf',
        sizeBytes: 1,
        tags: [],
        uploadedAt: eventTime,
        objectKey,
      };
      expect((await presentFile({ ...file, eTag: 'etag-first' }, store)).downloadUrl).not.toContain('ifMatch');
      expect((await presentFile({ ...file, eTag: 'etag-first', replacedAt: eventTime }, store)).downloadUrl).toContain('ifMatch=etag-first');
    });
  });

  it('does not enqueue again a notification that has already left pending', async () => {
    const deps = await setup();
    await recordUploadAndFanOut(deps, event, clock);
    await deps.notifications.advance(userId, notificationIdFor(fileId, 'R1'), { status: 'queued', at: clock().toISOString(), messageSid: 'SM1' });
    deps.queue.enqueued.length = 0;

    const result = await recordUploadAndFanOut(deps, event, clock);

    expect(result).toEqual({ fileId, matched: 2, enqueued: 1 });
    expect(refsOf(deps)).toEqual([notificationIdFor(fileId, 'R2')]);
    expect((await deps.notifications.get(userId, notificationIdFor(fileId, 'R1')))?.status).toBe('queued');
  });

  it('yields each notification exactly once, all enqueued, when a retry follows a crash halfway', async () => {
    const deps = await setup();
    deps.queue.failNext(1);

    await expect(recordUploadAndFanOut(deps, event, clock)).rejects.toThrow('The queue is unavailable.');
    expect(deps.notifications.all()).toHaveLength(2);
    expect(deps.queue.enqueued).toEqual([]);

    await recordUploadAndFanOut(deps, event, clock);

    const ids = [notificationIdFor(fileId, 'R1'), notificationIdFor(fileId, 'R2')];
    expect(deps.notifications.all().map((n) => n.notificationId)).toEqual(ids);
    expect(refsOf(deps)).toEqual(ids);
  });

  it.each([
    ['a key outside the upload prefix', 'elsewhere/alice/01HZZ00000000000000000000A'],
    ['a key whose file id is not a ULID', 'uploads/alice/report.pdf'],
    ['a key with an extra segment', `${objectKey}/extra`],
  ])('refuses %s as an unknown upload', async (_, key) => {
    const deps = await setup();
    await expect(recordUploadAndFanOut(deps, { key, eventTime }, clock)).rejects.toBeInstanceOf(UnknownUploadError);
    expect(deps.notifications.all()).toEqual([]);
    expect(deps.queue.calls).toBe(0);
  });

  it('refuses a well-formed key that no POST /uploads asked for', async () => {
    const deps = await setup();
    const stranger = objectKeyFor(userId, '01HZZ00000000000000000000B');
    deps.store.objects.set(stranger, { sizeBytes: 10, contentType: 'application/pdf' });
    await expect(recordUploadAndFanOut(deps, { key: stranger, eventTime }, clock)).rejects.toBeInstanceOf(UnknownUploadError);
    expect(deps.files.files.size).toBe(0);
  });

  it('records no file and no notifications for an object deleted before the event was handled', async () => {
    const deps = await setup({ object: null });
    expect(await recordUploadAndFanOut(deps, event, clock)).toEqual({ fileId, matched: 0, enqueued: 0 });
    expect(await deps.files.getFile(userId, fileId)).toBeUndefined();
    expect(deps.notifications.all()).toEqual([]);
    expect(deps.queue.enqueued).toEqual([]);
  });

  it("takes size and content type from the stored object, not the upload's declared ones", async () => {
    const deps = await setup({
      rules: [rule('BIG', { minSizeKb: 100 })],
      upload: { declaredSize: 2 * 1024, contentType: 'application/octet-stream' },
      object: { sizeBytes: 150 * 1024, contentType: 'application/pdf' },
    });

    const result = await recordUploadAndFanOut(deps, event, clock);

    const file = await deps.files.getFile(userId, fileId);
    expect(file).toMatchObject({ sizeBytes: 150 * 1024, contentType: 'application/pdf' });
    expect(result.matched).toBe(1);
    expect(deps.notifications.all()[0]?.file).toMatchObject({ sizeBytes: 150 * 1024, contentType: 'application/pdf' });
  });

  it('does not match a size rule on a size the client only declared', async () => {
    const deps = await setup({
      rules: [rule('BIG', { minSizeKb: 100 })],
      upload: { declaredSize: 500 * 1024 },
      object: { sizeBytes: 10 * 1024, contentType: 'application/pdf' },
    });
    expect((await recordUploadAndFanOut(deps, event, clock)).matched).toBe(0);
  });

  it("holds the notifications of an upload during the owner's quiet hours as scheduled until the window ends", async () => {
    const deps = { ...(await setup()), settings: new FakeSettingsRepository() };
    // 09:30 UTC falls inside 09:00–09:40 UTC: the window ends in ten minutes, so the timers go on the queue now.
    await deps.settings.put(userId, { quietHours: { start: '09:00', end: '09:40', timezone: 'UTC' }, dedupWindowSeconds: 60, optOutFooter: null });
    await recordUploadAndFanOut(deps, event, clock);
    for (const n of deps.notifications.all()) {
      expect(n).toMatchObject({ status: 'scheduled', sendAt: '2030-01-01T09:40:00.000Z', dueAt: '2030-01-01T09:40:00.000Z' });
      expect(deps.notifications.isDue(userId, n.notificationId)).toBe(false);
    }
    expect(deps.queue.enqueued.every((r) => r.dueAt === '2030-01-01T09:40:00.000Z')).toBe(true);
    expect(deps.queue.enqueued).toHaveLength(2);
  });

  it("gives a new recipient's texts the owner's opt-out line, and nobody already told of it", async () => {
    const deps = {
      ...(await setup({
        rules: [
          rule('R1'),
          rule('R2', { notifyVia: 'whatsapp' }),
          rule('R3', { target: '+14155550199' }),
          rule('R4', { notifyVia: 'email', target: 'ops@example.com' }),
        ],
      })),
      settings: new FakeSettingsRepository(),
      contacts: new FakeSendGuards(),
    };
    await deps.contacts.recordContact(userId, '+14155550199');
    await recordUploadAndFanOut(deps, event, clock);
    const footers = Object.fromEntries(deps.notifications.all().map((n) => [n.ruleId, [n.optOutLine, n.optOutFooter]]));
    expect(footers).toEqual({
      R1: [true, ' Reply STOP to opt out.'],
      R2: [true, ' Reply STOP to opt out.'],
      R3: [undefined, undefined],
      R4: [undefined, undefined],
    });
  });

  it('adds no opt-out line when the owner turned it off', async () => {
    const deps = { ...(await setup({ rules: [rule('R1')] })), settings: new FakeSettingsRepository(), contacts: new FakeSendGuards() };
    await deps.settings.put(userId, { quietHours: null, dedupWindowSeconds: 60, optOutFooter: null });
    await recordUploadAndFanOut(deps, event, clock);
    expect(deps.notifications.all()[0]?.optOutFooter).toBeUndefined();
  });
});
