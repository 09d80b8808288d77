import { describe, expect, it } from 'vitest';
import { acceptMessage, decideAdmission, dedupKeyOf, processMessage, retryAfterSeconds, slidingWindow, userOwner } from '../../../shared/domain/messages.ts';
import { FakeMessageAdmission, FakeMessageIngestQueue, FakeMessageStore } from '../../support/fake-ports.ts';

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const owner = userOwner('alice');
const input = (message = 'hello', from = '+14155552671') => ({ from, to: '+14155552672', message });

function setup() {
  const deps = { messages: new FakeMessageStore(), admission: new FakeMessageAdmission(), queue: new FakeMessageIngestQueue() };
  let now = T0;
  const clock = () => now;
  return { deps, clock, advance: (ms: number) => (now += ms) };
}

describe('slidingWindow', () => {
  it('counts a slot for exactly its window and names when the oldest leaves', () => {
    expect(slidingWindow([0, 1, 2, 3], 10, 5, 60)).toEqual({ live: [0, 1, 2, 3] });
    expect(slidingWindow([0, 1, 2, 3, 4], 10, 5, 60)).toEqual({ live: [0, 1, 2, 3, 4], retryAfterMs: 50 });
    expect(slidingWindow([0, 1, 2, 3, 4], 60, 5, 60)).toEqual({ live: [1, 2, 3, 4] });
    expect(slidingWindow([4, 0, 3, 1, 2], 59, 5, 60).retryAfterMs).toBe(1);
  });

  it('rounds Retry-After up to whole seconds, never below one', () => {
    expect([1, 999, 1000, 1001, 59_999].map(retryAfterSeconds)).toEqual([1, 1, 1, 2, 60]);
  });
});

describe('acceptMessage', () => {
  it('queues an accepted message whole and writes it as received', async () => {
    const { deps, clock } = setup();
    const outcome = await acceptMessage(deps, owner, input(), clock);
    expect(outcome.kind).toBe('accepted');
    const message = outcome.kind === 'accepted' ? outcome.message : undefined;
    expect(message).toMatchObject({ owner, from: '+14155552671', status: 'received', source: 'api', media: [], receivedAt: new Date(T0).toISOString() });
    expect(deps.queue.sent).toEqual([message]);
    expect(await deps.messages.get(owner, message!.messageId)).toEqual(message);
  });

  it('answers a repeat within 2 s as a duplicate of the first, taking no slot, and accepts it again after', async () => {
    const { deps, clock, advance } = setup();
    const first = await acceptMessage(deps, owner, input(), clock);
    advance(1_999);
    const repeat = await acceptMessage(deps, owner, input(), clock);
    expect(repeat).toEqual({ kind: 'duplicate', messageId: first.kind === 'accepted' ? first.message.messageId : '' });
    expect(deps.admission.states.get(`${owner}#+14155552671`)!.slots).toHaveLength(1);
    advance(1);
    expect((await acceptMessage(deps, owner, input(), clock)).kind).toBe('accepted');
    // Another recipient or text is no duplicate.
    expect((await acceptMessage(deps, owner, input('hello!'), clock)).kind).toBe('accepted');
  });

  it('refuses the sixth in a minute with the exact wait, storing nothing and keeping no dedup entry', async () => {
    const { deps, clock, advance } = setup();
    for (let i = 0; i < 5; i++) {
      expect((await acceptMessage(deps, owner, input(`m${i}`), clock)).kind).toBe('accepted');
      advance(1_000);
    }
    // Slots at 0..4 s; now 5 s: the first leaves at 60 s.
    expect(await acceptMessage(deps, owner, input('sixth'), clock)).toEqual({ kind: 'limited', retryAfterSeconds: 55 });
    expect(deps.messages.messages.size).toBe(5);
    expect(deps.queue.sent).toHaveLength(5);
    expect(deps.admission.states.get(`${owner}#+14155552671`)!.recent.map((r) => r.key)).not.toContain(dedupKeyOf('+14155552672', 'sixth'));
    advance(54_999);
    expect((await acceptMessage(deps, owner, input('sixth'), clock)).kind).toBe('limited');
    advance(1);
    expect((await acceptMessage(deps, owner, input('sixth'), clock)).kind).toBe('accepted');
  });

  it('gives back the slot and the dedup entry when the message cannot be queued', async () => {
    const { deps, clock } = setup();
    deps.queue.fail = true;
    await expect(acceptMessage(deps, owner, input(), clock)).rejects.toThrow('unavailable');
    expect(deps.admission.states.get(`${owner}#+14155552671`)).toEqual({ slots: [], recent: [] });
    expect(deps.messages.messages.size).toBe(0);
  });

  it('still accepts a queued message when writing it fails: the consumer stores what the queue carries', async () => {
    const { deps, clock } = setup();
    deps.messages.failPuts = true;
    const outcome = await acceptMessage(deps, owner, input(), clock);
    expect(outcome.kind).toBe('accepted');
    deps.messages.failPuts = false;
    await processMessage({ messages: deps.messages, stats: deps.messages }, deps.queue.sent[0]!, () => T0 + 40);
    expect(await deps.messages.get(owner, deps.queue.sent[0]!.messageId)).toMatchObject({ status: 'processed', processingMs: 40 });
  });
});

describe('processMessage', () => {
  it('moves a message to processed once, recording the time it took, however often it is delivered', async () => {
    const { deps, clock } = setup();
    const outcome = await acceptMessage(deps, owner, input(), clock);
    const queued = deps.queue.sent[0]!;
    const store = { messages: deps.messages, stats: deps.messages };
    expect(await processMessage(store, queued, () => T0 + 120)).toEqual({ processed: true });
    expect(await processMessage(store, queued, () => T0 + 500)).toEqual({ processed: false });
    const stored = await deps.messages.get(owner, outcome.kind === 'accepted' ? outcome.message.messageId : '');
    expect(stored).toMatchObject({ status: 'processed', processedAt: new Date(T0 + 120).toISOString(), processingMs: 120 });
    expect(await deps.messages.totals(owner)).toEqual({ processed: 1, processingMsTotal: 120 });
  });
});

describe('processMessage and the running totals', () => {
  it('adds a message whose addition failed when the record comes back, and only once', async () => {
    const { deps, clock } = setup();
    await acceptMessage(deps, owner, input(), clock);
    const queued = deps.queue.sent[0]!;
    const store = { messages: deps.messages, stats: deps.messages };
    deps.messages.failAdds = true;
    await expect(processMessage(store, queued, () => T0 + 30)).rejects.toThrow('unavailable');
    expect(await deps.messages.totals(owner)).toEqual({ processed: 0, processingMsTotal: 0 });
    deps.messages.failAdds = false;
    await processMessage(store, queued, () => T0 + 900);
    await processMessage(store, queued, () => T0 + 950);
    expect(await deps.messages.totals(owner)).toEqual({ processed: 1, processingMsTotal: 30 });
  });
});

describe('decideAdmission', () => {
  const state = { slots: [0, 1, 2, 3, 4].map((at) => ({ at, messageId: `m${at}` })), recent: [{ key: 'k', messageId: 'm4', until: 2_004 }] };

  it('answers a live duplicate before the window, and writes nothing for it', () => {
    expect(decideAdmission(state, { dedupKey: 'k', messageId: 'x', now: 2_003 })).toEqual({ admission: { kind: 'duplicate', messageId: 'm4' } });
  });

  it('answers admitted, writing nothing, when the message already holds its slot (its own write, retried)', () => {
    expect(decideAdmission(state, { dedupKey: 'k', messageId: 'm4', now: 2_003 })).toEqual({ admission: { kind: 'admitted' } });
  });

  it('refuses a full window with the wait for its oldest slot, and prunes what lapsed when admitting', () => {
    expect(decideAdmission(state, { dedupKey: 'k', messageId: 'x', now: 2_004 })).toEqual({ admission: { kind: 'limited', retryAfterMs: 57_996 } });
    const { admission, next } = decideAdmission(state, { dedupKey: 'k', messageId: 'x', now: 60_000 });
    expect(admission).toEqual({ kind: 'admitted' });
    expect(next).toEqual({
      slots: [1, 2, 3, 4].map((at) => ({ at, messageId: `m${at}` })).concat({ at: 60_000, messageId: 'x' }),
      recent: [{ key: 'k', messageId: 'x', until: 62_000 }],
    });
  });
});
