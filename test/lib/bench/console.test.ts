import { describe, expect, it } from 'vitest';
import { longestChain } from '../../../lib/bench/console.ts';

describe('longestChain', () => {
  it('counts requests that each wait for the one before, not those in parallel', () => {
    expect(longestChain([])).toBe(0);
    // The document, then the script and the settings together, then the API call.
    expect(
      longestChain([
        { start: 0, end: 10 },
        { start: 12, end: 40 },
        { start: 12, end: 20 },
        { start: 45, end: 60 },
      ]),
    ).toBe(3);
    expect(longestChain([{ start: 0, end: 10 }, { start: 5, end: 20 }])).toBe(1);
  });
});
