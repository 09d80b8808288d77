import { describe, expect, it } from 'vitest';
import { dependencyChain, longestChain } from '../../../lib/bench/console.ts';

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
    expect(
      longestChain([
        { start: 0, end: 10 },
        { start: 5, end: 20 },
      ]),
    ).toBe(1);
  });
});

describe('dependencyChain', () => {
  it('follows what started each request, so requests that only ran one after the other are no chain', () => {
    const page = 'http://localhost/app/files';
    const script = 'http://localhost/assets/index-abc.js';
    // The page's inline script asks for the list itself: two round trips.
    expect(
      dependencyChain([
        { url: page },
        { url: script, initiatorUrl: page },
        { url: 'http://localhost/assets/index-abc.css', initiatorUrl: page },
        { url: 'http://localhost/files?limit=20', initiatorUrl: page },
      ]),
    ).toHaveLength(2);
    // The app's script asks for it once loaded: three.
    expect(dependencyChain([{ url: page }, { url: script, initiatorUrl: page }, { url: 'http://localhost/files?limit=20', initiatorUrl: script }])).toEqual([
      page,
      script,
      'http://localhost/files?limit=20',
    ]);
    expect(dependencyChain([])).toEqual([]);
  });
});
