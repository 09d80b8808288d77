import { describe, expect, it } from 'vitest';
import { CachedLineLookup } from '../../../shared/adapters/cached-line-lookup-adapter.ts';
import type { LineRecord, NumberClaim } from '../../../shared/ports.ts';

function repository() {
  const reads = { claims: 0, lines: 0 };
  const claims = new Map<string, NumberClaim>([['+14155550100', { number: '+14155550100', userId: 'alice', lineId: 'L1' }]]);
  const lines = new Map<string, LineRecord>([['alice#L1', { lineId: 'L1', userId: 'alice', ringSeconds: 20 } as LineRecord]]);
  return {
    reads,
    claims,
    lines,
    claimOf: async (number: string) => {
      reads.claims += 1;
      return claims.get(number);
    },
    get: async (userId: string, lineId: string) => {
      reads.lines += 1;
      return lines.get(`${userId}#${lineId}`);
    },
  };
}

describe('CachedLineLookup', () => {
  it('reads a line once within its time to live, and again after it', async () => {
    let now = 1_000;
    const repo = repository();
    const lookup = new CachedLineLookup(repo, 5_000, () => now);
    expect(await lookup.claimOf('+14155550100')).toMatchObject({ lineId: 'L1' });
    expect(await lookup.get('alice', 'L1')).toMatchObject({ ringSeconds: 20 });
    repo.lines.set('alice#L1', { lineId: 'L1', userId: 'alice', ringSeconds: 30 } as LineRecord);
    now += 4_999;
    expect(await lookup.claimOf('+14155550100')).toMatchObject({ lineId: 'L1' });
    expect(await lookup.get('alice', 'L1')).toMatchObject({ ringSeconds: 20 });
    expect(repo.reads).toEqual({ claims: 1, lines: 1 });
    now += 1;
    expect(await lookup.get('alice', 'L1')).toMatchObject({ ringSeconds: 30 });
    expect(repo.reads.lines).toBe(2);
  });

  it('keeps no absence: a number claimed a moment after an unanswered lookup is found at once', async () => {
    const repo = repository();
    const lookup = new CachedLineLookup(repo, 5_000, () => 0);
    expect(await lookup.claimOf('+14155550111')).toBeUndefined();
    repo.claims.set('+14155550111', { number: '+14155550111', userId: 'bob', lineId: 'L2' });
    expect(await lookup.claimOf('+14155550111')).toMatchObject({ lineId: 'L2' });
  });
});
