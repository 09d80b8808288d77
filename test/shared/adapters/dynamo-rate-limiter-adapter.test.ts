import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tables } from '../../../lib/topology.ts';
import { DynamoRateLimiter } from '../../../shared/adapters/dynamo-rate-limiter-adapter.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;

beforeAll(async () => {
  env = await startTestEngines();
});

afterAll(async () => {
  await env?.stop();
});

describe('DynamoRateLimiter', () => {
  it('gives a free slot now when nobody has reserved ahead', async () => {
    const limiter = new DynamoRateLimiter(1000, tables.state.name, env.documentClient);
    const now = Date.now();
    const slot = await limiter.reserve(now);
    expect(slot - now).toBeLessThan(50);
  });

  it('hands every sender distinct slots exactly 1/rate apart, however many reserve at once', async () => {
    // Three senders, as three Lambda environments would hold three limiters, sharing one item.
    const senders = [0, 1, 2].map(() => new DynamoRateLimiter(10, tables.state.name, env.documentClient));
    const started = Date.now();
    const slots = (await Promise.all(senders.flatMap((s) => Array.from({ length: 20 }, () => s.reserve(started))))).sort((a, b) => a - b);

    expect(new Set(slots).size).toBe(60);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(99);
    expect(slots[0]!).toBeGreaterThanOrEqual(started);
    // 60 slots at 10 a second span six seconds: the rate holds over the whole reservation.
    expect(slots[59]! - slots[0]!).toBeGreaterThanOrEqual(5_900);
  });
});
