import { describe, expect, it } from 'vitest';
import { gcraLatestTat, gcraLimits, gcraRoom, gcraStep } from '../../../shared/domain/gcra.ts';

// One request a second, three at once.
const limits = gcraLimits(1, 3);
const now = 1_000_000;

/** Runs `count` single steps at `at`, storing each allowed TAT, and answers the outcomes. */
function run(tat: number, at: number, count: number) {
  const outcomes = [];
  for (let i = 0; i < count; i++) {
    const step = gcraStep(tat, at, limits);
    outcomes.push(step);
    tat = step.tat;
  }
  return { outcomes, tat };
}

describe('gcraLimits', () => {
  it('turns a rate and a burst into an emission interval and a tolerance', () => {
    expect(gcraLimits(1, 3)).toEqual({ intervalMs: 1000, toleranceMs: 2000 });
    expect(gcraLimits(20, 100)).toEqual({ intervalMs: 50, toleranceMs: 4950 });
    expect(gcraLimits(4, 1)).toEqual({ intervalMs: 250, toleranceMs: 0 });
  });
});

describe('gcraStep', () => {
  it('allows a fresh schedule its whole burst, then refuses with the time until the next request conforms', () => {
    const { outcomes, tat } = run(0, now, 4);
    expect(outcomes.map((o) => o.allowed)).toEqual([true, true, true, false]);
    expect(tat).toBe(now + 3000);
    expect(outcomes[3]).toEqual({ allowed: false, tat: now + 3000, retryAfterMs: 1000 });
  });

  it('restarts an idle schedule at now rather than crediting the idle time beyond the burst', () => {
    expect(gcraStep(now - 60_000, now, limits)).toEqual({ allowed: true, tat: now + 1000 });
    expect(run(now - 60_000, now, 4).outcomes.filter((o) => o.allowed)).toHaveLength(3);
  });

  it('allows one more request each interval once the burst is spent', () => {
    const spent = run(0, now, 3).tat;
    expect(gcraStep(spent, now + 999, limits).allowed).toBe(false);
    expect(gcraStep(spent, now + 1000, limits)).toEqual({ allowed: true, tat: now + 4000 });
  });

  it('never allows more than 1 + (tolerance + t) / interval requests over a window of t', () => {
    let tat = 0;
    let allowed = 0;
    // Ask every 100 ms for 10 s.
    for (let at = now; at <= now + 10_000; at += 100) {
      const step = gcraStep(tat, at, limits);
      if (step.allowed) allowed++;
      tat = step.tat;
    }
    expect(allowed).toBe(1 + (2000 + 10_000) / 1000);
  });

  it('takes several cells at once only when all of them conform', () => {
    expect(gcraStep(0, now, limits, 3)).toEqual({ allowed: true, tat: now + 3000 });
    expect(gcraStep(now + 1000, now, limits, 3)).toEqual({ allowed: false, tat: now + 1000, retryAfterMs: 1000 });
    // More cells than the burst never conform at once.
    expect(gcraStep(0, now, limits, 4).allowed).toBe(false);
  });
});

describe('gcraRoom and gcraLatestTat', () => {
  it('count the requests that conform now, agreeing with gcraStep', () => {
    expect(gcraRoom(0, now, limits)).toBe(3);
    expect(gcraRoom(now + 1000, now, limits)).toBe(2);
    expect(gcraRoom(now + 2500, now, limits)).toBe(0);
    for (const tat of [0, now, now + 500, now + 1000, now + 2000, now + 2001]) {
      for (const cells of [1, 2, 3]) {
        expect(gcraStep(tat, now, limits, cells).allowed, `tat ${tat - now}, ${cells} cells`).toBe(gcraRoom(tat, now, limits) >= cells);
      }
    }
  });

  it('name the latest stored TAT a conditional write may find for the cells to conform', () => {
    expect(gcraLatestTat(now, limits)).toBe(now + 2000);
    expect(gcraLatestTat(now, limits, 3)).toBe(now);
  });
});
