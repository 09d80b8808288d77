import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleInboundMessage, keywordOf, OPT_IN_REPLY, OPT_OUT_REPLY, type InboundDeps } from '../../../shared/domain/inbound-message.ts';
import type {
  InboundMessage,
  InboundMessageRepository,
  MediaDownload,
  MediaSource,
  MediaStore,
  NotificationMaintenance,
  NotificationRecord,
  Page,
  StatusUpdate,
} from '../../../shared/ports.ts';
import { sampleImages } from '../../../lib/local/sample-images.ts';
import { FakeMessageIngestQueue, FakeMessageStore, FakeOptOutRepository, frozenClock } from '../../support/fake-ports.ts';

class FakeInboundMessages implements InboundMessageRepository {
  readonly stored = new Map<string, InboundMessage>();
  async get(from: string, sid: string) {
    return this.stored.get(`${from}/${sid}`);
  }
  async recordIfAbsent(message: InboundMessage) {
    const key = `${message.from}/${message.messageSid}`;
    if (this.stored.has(key)) return false;
    this.stored.set(key, structuredClone(message));
    return true;
  }
}

class FakeMediaSource implements MediaSource {
  readonly requested: string[] = [];
  constructor(private readonly answers: Record<string, MediaDownload>) {}
  async download(url: string) {
    this.requested.push(url);
    return this.answers[url] ?? { kind: 'refused' as const, reason: 'HTTP 404' };
  }
}

class FakeMediaStore implements MediaStore {
  readonly objects = new Map<string, Uint8Array>();
  puts = 0;
  async putIfAbsent(key: string, bytes: Uint8Array) {
    if (this.objects.has(key)) return false;
    this.puts += 1;
    this.objects.set(key, bytes);
    return true;
  }
}

/** Pending notifications by target; suppression refused for the ids in `claimed`. */
class FakeMaintenance implements NotificationMaintenance {
  readonly openShards = 1;
  readonly suppressed: Array<{ notificationId: string; update: StatusUpdate }> = [];
  constructor(
    private readonly pending: NotificationRecord[],
    private readonly claimed = new Set<string>(),
  ) {}
  async listPendingTo(target: string, page: { limit: number; startKey?: Record<string, unknown> }): Promise<Page<NotificationRecord>> {
    const all = this.pending.filter((n) => n.target === target);
    const start = Number(page.startKey?.i ?? 0);
    const items = all.slice(start, start + page.limit);
    return start + page.limit < all.length ? { items, lastKey: { i: start + page.limit } } : { items };
  }
  async suppressPending(_userId: string, notificationId: string, update: StatusUpdate) {
    if (this.claimed.has(notificationId)) return false;
    this.suppressed.push({ notificationId, update });
    return true;
  }
  async listOpen(): Promise<Page<NotificationRecord>> {
    return { items: [] };
  }
}

const pendingTo = (target: string, notificationId: string) => ({ userId: 'u', notificationId, target }) as NotificationRecord;
const png = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
const sha = createHash('sha256').update(png).digest('hex');

let deps: InboundDeps & {
  messages: FakeInboundMessages;
  optOuts: FakeOptOutRepository;
  mediaSource: FakeMediaSource;
  mediaStore: FakeMediaStore;
  notifications: FakeMaintenance;
};
const clock = frozenClock('2030-01-01T12:00:00.000Z');

beforeEach(() => {
  deps = {
    messages: new FakeInboundMessages(),
    optOuts: new FakeOptOutRepository(),
    notifications: new FakeMaintenance([]),
    mediaSource: new FakeMediaSource({ 'https://m/a.png': { kind: 'downloaded', bytes: png, contentType: 'image/png' } }),
    mediaStore: new FakeMediaStore(),
    helpText: 'help!',
  };
});

const message = (body: string, extra: Partial<{ messageSid: string; from: string; media: Array<{ url: string; contentType: string }> }> = {}) => ({
  messageSid: 'SM1',
  from: '+14155550100',
  to: '+15005550006',
  body,
  media: [],
  ...extra,
});

describe('keywordOf', () => {
  it.each([
    ['STOP', 'opt-out'],
    ['stop', 'opt-out'],
    ['  Stop\n', 'opt-out'],
    ['STOPALL', 'opt-out'],
    ['unsubscribe', 'opt-out'],
    ['Cancel', 'opt-out'],
    ['end', 'opt-out'],
    ['QUIT', 'opt-out'],
    ['revoke', 'opt-out'],
    ['OptOut', 'opt-out'],
    ['START', 'opt-in'],
    ['yes', 'opt-in'],
    ['UNSTOP', 'opt-in'],
    ['help', 'help'],
    ['INFO', 'help'],
    ['stop please', undefined],
    ['STOP.', undefined],
    ['opt out', undefined],
    ['', undefined],
    ['Thanks!', undefined],
  ])('reads %j as %s', (body, keyword) => {
    expect(keywordOf(body)).toBe(keyword);
  });
});

describe('handleInboundMessage', () => {
  it('stores the message once, with the time it was received', async () => {
    expect(await handleInboundMessage(deps, message('hello'), clock)).toEqual({ stored: true, suppressed: 0 });
    expect(await handleInboundMessage(deps, message('hello'), clock)).toEqual({ stored: false, suppressed: 0 });
    expect([...deps.messages.stored.values()]).toEqual([
      { messageSid: 'SM1', from: '+14155550100', to: '+15005550006', body: 'hello', media: [], receivedAt: '2030-01-01T12:00:00.000Z' },
    ]);
  });

  it('copies an image under its content hash, writing it only when no copy exists yet', async () => {
    const media = [{ url: 'https://m/a.png', contentType: 'image/png' }];
    await handleInboundMessage(deps, message('', { messageSid: 'SM1', media }), clock);
    await handleInboundMessage(deps, message('', { messageSid: 'SM2', media }), clock);
    expect(deps.mediaStore.puts).toBe(1);
    expect([...deps.mediaStore.objects.keys()]).toEqual([`inbound-media/${sha}`]);
    for (const stored of deps.messages.stored.values()) {
      expect(stored.media).toEqual([{ url: 'https://m/a.png', contentType: 'image/png', sha256: sha, key: `inbound-media/${sha}`, sizeBytes: png.length }]);
    }
  });

  it('does not download what Twilio says is not an image, and records why', async () => {
    await handleInboundMessage(deps, message('', { media: [{ url: 'https://m/card.vcf', contentType: 'text/vcard' }] }), clock);
    expect(deps.mediaSource.requested).toEqual([]);
    expect([...deps.messages.stored.values()][0]!.media).toEqual([
      { url: 'https://m/card.vcf', contentType: 'text/vcard', skipped: 'not an image (text/vcard)' },
    ]);
  });

  it('does not download the media of a message it already stored', async () => {
    const media = [{ url: 'https://m/a.png', contentType: 'image/png' }];
    await handleInboundMessage(deps, message('', { media }), clock);
    await handleInboundMessage(deps, message('', { media }), clock);
    expect(deps.mediaSource.requested).toEqual(['https://m/a.png']);
  });

  it('opts the sender out on STOP and suppresses their pending notifications, leaving the ones a sender holds', async () => {
    const pending = Array.from({ length: 230 }, (_, i) => pendingTo('+14155550100', `n${i}`));
    deps.notifications = new FakeMaintenance([...pending, pendingTo('+14155550199', 'other')], new Set(['n7']));
    const outcome = await handleInboundMessage(deps, message(' stop '), clock);
    expect(outcome).toEqual({ reply: OPT_OUT_REPLY, keyword: 'opt-out', stored: true, suppressed: 229 });
    expect(await deps.optOuts.get('+14155550100')).toEqual({ phone: '+14155550100', source: 'keyword', at: '2030-01-01T12:00:00.000Z' });
    expect(deps.notifications.suppressed.map((s) => s.notificationId)).not.toContain('n7');
    expect(deps.notifications.suppressed.map((s) => s.notificationId)).not.toContain('other');
    expect(deps.notifications.suppressed[0]!.update).toMatchObject({ status: 'suppressed', errorCode: '21610' });
  });

  it('acts on a repeated STOP again, in case the first attempt stopped half-way', async () => {
    await handleInboundMessage(deps, message('STOP'), clock);
    deps.notifications = new FakeMaintenance([pendingTo('+14155550100', 'late')]);
    expect((await handleInboundMessage(deps, message('STOP'), clock)).suppressed).toBe(1);
  });

  it('opts a WhatsApp sender out by their number', async () => {
    await handleInboundMessage(deps, message('STOP', { from: 'whatsapp:+14155550100' }), clock);
    expect(await deps.optOuts.get('+14155550100')).toBeDefined();
  });

  it('opts the sender back in on START, and answers HELP with the configured text', async () => {
    const later = frozenClock('2030-01-01T12:00:00.000Z');
    await handleInboundMessage(deps, message('STOP'), later);
    later.advance(1000);
    expect((await handleInboundMessage(deps, message('start', { messageSid: 'SM2' }), later)).reply).toBe(OPT_IN_REPLY);
    expect(await deps.optOuts.get('+14155550100')).toBeUndefined();
    expect((await handleInboundMessage(deps, message('HELP', { messageSid: 'SM3' }), later)).reply).toBe('help!');
  });

  it('does not let a replayed START, already stored, undo a later STOP', async () => {
    const later = frozenClock('2030-01-01T12:00:00.000Z');
    await handleInboundMessage(deps, message('STOP', { messageSid: 'SM1' }), later);
    later.advance(1000);
    await handleInboundMessage(deps, message('START', { messageSid: 'SM2' }), later);
    later.advance(1000);
    await handleInboundMessage(deps, message('STOP', { messageSid: 'SM3' }), later);
    later.advance(1000);
    await handleInboundMessage(deps, message('START', { messageSid: 'SM2' }), later);
    expect(await deps.optOuts.get('+14155550100')).toMatchObject({ at: '2030-01-01T12:00:02.000Z' });
  });
});

describe('handleInboundMessage and the message store', () => {
  it('keeps each inbound message once under the unclaimed owner of its To number, queued for processing, STOP included', async () => {
    const messages = new FakeMessageStore();
    const store = { messages, queue: new FakeMessageIngestQueue(), media: messages };
    const withStore = { ...deps, store };
    await handleInboundMessage(withStore, message('hello', { from: 'whatsapp:+14155550100' }), clock);
    await handleInboundMessage(withStore, message('hello', { from: 'whatsapp:+14155550100' }), clock);
    expect(await handleInboundMessage(withStore, message('STOP', { messageSid: 'SM2' }), clock)).toMatchObject({ reply: OPT_OUT_REPLY, keyword: 'opt-out' });
    const kept = [...store.messages.messages.values()];
    expect(kept).toHaveLength(2);
    expect(kept[0]).toMatchObject({
      owner: 'unclaimed#+15005550006',
      from: '+14155550100',
      to: '+15005550006',
      message: 'hello',
      source: 'twilio',
      status: 'received',
      messageSid: 'SM1',
    });
    expect(kept[0]!.messageId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    // The repeat re-queues the still-received message (the consumer is idempotent) but never stores it twice.
    expect(store.queue.sent.map((m) => m.messageSid)).toEqual(['SM1', 'SM1', 'SM2']);
    await store.messages.markStored(kept[0]!);
    await handleInboundMessage(withStore, message('hello', { from: 'whatsapp:+14155550100' }), clock);
    expect(store.queue.sent).toHaveLength(3);
  });

  it('keeps MMS images in the message media store, once per content, and skips what is not a whole image by its bytes', async () => {
    const whole = sampleImages.png('mms');
    deps.mediaSource = new FakeMediaSource({
      'https://m/a.png': { kind: 'downloaded', bytes: whole, contentType: 'image/png' },
      'https://m/b.png': { kind: 'downloaded', bytes: whole, contentType: 'image/png' },
      'https://m/fake.png': { kind: 'downloaded', bytes: new TextEncoder().encode('<html>not a picture</html>'), contentType: 'image/png' },
    });
    const messages = new FakeMessageStore();
    const withStore = { ...deps, store: { messages, queue: new FakeMessageIngestQueue(), media: messages } };
    const media = ['a', 'b', 'fake'].map((n) => ({ url: `https://m/${n}.png`, contentType: 'image/png' }));
    await handleInboundMessage(withStore, message('pics', { media }), clock);

    const mediaId = createHash('sha256').update(whole).digest('hex');
    const key = `message-media/${encodeURIComponent('unclaimed#+15005550006')}/${mediaId}`;
    expect([...deps.mediaStore.objects.keys()]).toEqual([key]);
    expect(messages.mediaRecords.size).toBe(1);
    const [inbound] = [...deps.messages.stored.values()];
    expect(inbound!.media.map((m) => m.key ?? m.skipped)).toEqual([key, key, expect.stringContaining('not a PNG, JPEG, GIF or WebP')]);
    const [kept] = [...messages.messages.values()];
    expect(kept!.media).toEqual([
      { mediaId, contentType: 'image/png', sizeBytes: whole.length },
      { mediaId, contentType: 'image/png', sizeBytes: whole.length },
    ]);
  });
});
