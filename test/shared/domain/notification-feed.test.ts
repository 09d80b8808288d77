import { describe, expect, it } from 'vitest';
import { SETTLE_MS, waitForNotifications, type Clock } from '../../../shared/domain/notification-feed.ts';
import type { FeedPosition, NotificationFeed, NotificationRecord } from '../../../shared/ports.ts';

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function notification(notificationId: string, createdAtMs: number, userId = 'alice'): NotificationRecord {
  const createdAt = iso(createdAtMs);
  return {
    userId,
    notificationId,
    fileId: notificationId.split('-')[0]!,
    ruleId: 'R',
    channel: 'sms',
    target: '+14155550100',
    status: 'pending',
    attempts: 0,
    createdAt,
    updatedAt: createdAt,
    history: [{ status: 'pending', at: createdAt }],
    file: { fileName: 'a.pdf', fileType: 'pdf', contentType: 'application/pdf', sizeBytes: 1, tags: [], uploadedAt: createdAt, objectKey: 'k' },
  };
}

/** The feed's contract over an array, with a record of every read. */
class MemoryFeed implements NotificationFeed {
  readonly reads: Array<{ after: FeedPosition; until: string; at: number }> = [];
  constructor(
    readonly items: NotificationRecord[],
    private readonly clock: FakeClock,
  ) {}

  async readAfter(userId: string, after: FeedPosition, until: string, limit: number) {
    this.reads.push({ after, until, at: this.clock.now() });
    const key = (n: NotificationRecord) => `${n.createdAt}\u0000${n.notificationId}`;
    const from = after.notificationId ? `${after.at}\u0000${after.notificationId}` : `${after.at}\u0000\uffff`;
    return this.items
      .filter((n) => n.userId === userId && key(n) > from && n.createdAt <= until)
      .sort((a, b) => key(a).localeCompare(key(b)))
      .slice(0, limit);
  }
}

/** Time that moves only when the code under test sleeps. */
class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private ms: number) {}
  now() {
    return this.ms;
  }
  async sleep(ms: number) {
    this.sleeps.push(ms);
    this.ms += ms;
  }
}

describe('waitForNotifications', () => {
  it('answers at once, without sleeping, when notifications newer than the position have settled', async () => {
    const clock = new FakeClock(T0);
    const feed = new MemoryFeed([notification('A-1', T0 - 10_000), notification('B-1', T0 - 5_000)], clock);
    const out = await waitForNotifications({ feed, clock }, 'alice', { at: iso(T0 - 8_000) }, { waitMs: 20_000, limit: 20 });
    expect(out.items.map((n) => n.notificationId)).toEqual(['B-1']);
    expect(clock.sleeps).toEqual([]);
    expect(out.position).toEqual({ at: iso(T0 - SETTLE_MS) });
  });

  it('hands out nothing younger than the settling time, so a late write cannot land behind the position', async () => {
    const clock = new FakeClock(T0);
    const feed = new MemoryFeed([notification('A-1', T0 - 1_000)], clock);
    const out = await waitForNotifications({ feed, clock }, 'alice', { at: iso(T0 - 60_000) }, { waitMs: 0, limit: 20 });
    expect(out.items).toEqual([]);
    expect(feed.reads[0]!.until).toBe(iso(T0 - SETTLE_MS));
    expect(out.position).toEqual({ at: iso(T0 - SETTLE_MS) });
  });

  it('waits for a notification created later, reading at a modest pace, and answers once it settles', async () => {
    const clock = new FakeClock(T0);
    const feed = new MemoryFeed([notification('C-1', T0 + 4_000)], clock);
    const out = await waitForNotifications({ feed, clock }, 'alice', { at: iso(T0) }, { waitMs: 25_000, limit: 20 });
    expect(out.items.map((n) => n.notificationId)).toEqual(['C-1']);
    expect(clock.now()).toBeGreaterThanOrEqual(T0 + 4_000 + SETTLE_MS);
    expect(clock.now()).toBeLessThanOrEqual(T0 + 4_000 + SETTLE_MS + 1_000);
    expect(clock.sleeps.every((ms) => ms >= 250 && ms <= 1_000)).toBe(true);
  });

  it('gives up after the wait with no items and a position past everything read', async () => {
    const clock = new FakeClock(T0);
    const feed = new MemoryFeed([], clock);
    const out = await waitForNotifications({ feed, clock }, 'alice', { at: iso(T0) }, { waitMs: 25_000, limit: 20 });
    expect(out.items).toEqual([]);
    expect(clock.now()).toBe(T0 + 25_000);
    // About one read a second, not a busy loop.
    expect(feed.reads.length).toBeLessThanOrEqual(30);
    expect(out.position).toEqual({ at: iso(T0 + 25_000 - SETTLE_MS) });
  });

  it('reads once and answers when asked not to wait', async () => {
    const clock = new FakeClock(T0);
    const feed = new MemoryFeed([], clock);
    await waitForNotifications({ feed, clock }, 'alice', { at: iso(T0 - 10_000) }, { waitMs: 0, limit: 20 });
    expect(feed.reads).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('pages through notifications sharing a createdAt without skipping or repeating any', async () => {
    const clock = new FakeClock(T0);
    const batch = ['F-1', 'F-2', 'F-3', 'F-4', 'F-5'].map((id) => notification(id, T0 - 10_000));
    const feed = new MemoryFeed([...batch, notification('G-1', T0 - 9_000)], clock);
    const seen: string[] = [];
    let position: FeedPosition = { at: iso(T0 - 20_000) };
    for (let call = 0; call < 4; call++) {
      const out = await waitForNotifications({ feed, clock }, 'alice', position, { waitMs: 0, limit: 2 });
      seen.push(...out.items.map((n) => n.notificationId));
      position = out.position;
    }
    expect(seen).toEqual(['F-1', 'F-2', 'F-3', 'F-4', 'F-5', 'G-1']);
  });

  it('never hands out another user’s notifications', async () => {
    const clock = new FakeClock(T0);
    const feed = new MemoryFeed([notification('A-1', T0 - 10_000, 'bob')], clock);
    const out = await waitForNotifications({ feed, clock }, 'alice', { at: iso(T0 - 20_000) }, { waitMs: 0, limit: 20 });
    expect(out.items).toEqual([]);
  });
});
