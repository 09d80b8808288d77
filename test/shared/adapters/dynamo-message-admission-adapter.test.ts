import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../../../lib/topology.ts';
import { DynamoMessageAdmission } from '../../../shared/adapters/dynamo-message-admission-adapter.ts';
import { RATE_LIMIT, RATE_WINDOW_MS, retryAfterSeconds } from '../../../shared/domain/messages.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;
let admission: DynamoMessageAdmission;

beforeAll(async () => {
  env = await startTestEngines();
  admission = new DynamoMessageAdmission(tables.state.name, env.documentClient);
});

afterAll(async () => {
  await env?.stop();
});

const sender = () => `user#test#+1650${randomUUID().slice(0, 7)}`;
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const take = (s: string, now: number) => admission.acquireSlot(s, now, RATE_LIMIT, RATE_WINDOW_MS);

describe('DynamoMessageAdmission: the sliding window', () => {
  it('admits exactly five of twenty concurrent requests, and the sixth exactly when Retry-After says', async () => {
    const s = sender();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => take(s, T0)));
    expect(outcomes.filter((o) => o.kind === 'admitted')).toHaveLength(5);
    const limited = outcomes.filter((o) => o.kind === 'limited');
    expect(limited).toHaveLength(15);
    const seconds = retryAfterSeconds(limited[0]!.kind === 'limited' ? limited[0]!.retryAfterMs : 0);
    expect(seconds).toBe(60);

    // A millisecond early is still refused; at the instant Retry-After names, one is admitted.
    expect((await take(s, T0 + seconds * 1000 - 1)).kind).toBe('limited');
    expect(await take(s, T0 + seconds * 1000)).toEqual({ kind: 'admitted' });
    expect((await take(s, T0 + seconds * 1000)).kind).toBe('admitted');
  });

  it('is a true sliding window: room frees one slot at a time as each accepted message ages out', async () => {
    const s = sender();
    // Five spread over 40 s: 0, 10, 20, 30, 40.
    for (let i = 0; i < 5; i++) expect((await take(s, T0 + i * 10_000)).kind).toBe('admitted');
    // At 45 s the oldest (0 s) leaves at 60 s: wait 15 s. No fixed minute resets anything at 60 s for the rest.
    const at45 = await take(s, T0 + 45_000);
    expect(at45).toEqual({ kind: 'limited', retryAfterMs: 15_000 });
    expect(await take(s, T0 + 60_000)).toEqual({ kind: 'admitted' });
    const at61 = await take(s, T0 + 61_000);
    expect(at61).toEqual({ kind: 'limited', retryAfterMs: 9_000 });
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(9_001)).toBe(10);
  });

  it('gives a released slot back, and keeps each sender apart', async () => {
    const [a, b] = [sender(), sender()];
    for (let i = 0; i < 5; i++) await take(a, T0 + i);
    expect((await take(a, T0 + 10)).kind).toBe('limited');
    expect((await take(b, T0 + 10)).kind).toBe('admitted');
    await admission.releaseSlot(a, T0 + 4);
    expect((await take(a, T0 + 10)).kind).toBe('admitted');
  });
});

describe('DynamoMessageAdmission: dedup reservations', () => {
  it('lets exactly one of ten concurrent identical reservations through and names it to the others', async () => {
    const key = randomUUID();
    const ids = Array.from({ length: 10 }, (_, i) => `id-${i}`);
    const outcomes = await Promise.all(ids.map((id) => admission.reserve(key, id, T0, T0 + 2_000)));
    const reserved = outcomes.flatMap((o, i) => (o.kind === 'reserved' ? [ids[i]] : []));
    expect(reserved).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.kind === 'duplicate')) expect(o).toEqual({ kind: 'duplicate', messageId: reserved[0] });
  });

  it('lets a lapsed reservation be taken over, and a given-back one at once', async () => {
    const key = randomUUID();
    expect(await admission.reserve(key, 'first', T0, T0 + 2_000)).toEqual({ kind: 'reserved' });
    expect(await admission.reserve(key, 'second', T0 + 1_999, T0 + 3_999)).toEqual({ kind: 'duplicate', messageId: 'first' });
    expect(await admission.reserve(key, 'third', T0 + 2_000, T0 + 4_000)).toEqual({ kind: 'reserved' });
    await admission.unreserve(key, 'someone-else');
    expect(await admission.reserve(key, 'fourth', T0 + 2_100, T0 + 4_100)).toEqual({ kind: 'duplicate', messageId: 'third' });
    await admission.unreserve(key, 'third');
    expect(await admission.reserve(key, 'fifth', T0 + 2_100, T0 + 4_100)).toEqual({ kind: 'reserved' });
  });
});
