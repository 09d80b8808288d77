import { describe, expect, it } from 'vitest';
import { instantOf, quietHoursEnd } from '../../../shared/domain/quiet-hours.ts';

const ny = { start: '21:00', end: '08:00', timezone: 'America/New_York' };
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('quietHoursEnd', () => {
  it('lets a send outside the window go at its time', () => {
    expect(quietHoursEnd(at('2026-06-01T16:00:00Z'), ny)).toBeUndefined(); // 12:00 EDT
    expect(quietHoursEnd(at('2026-06-02T00:59:00Z'), ny)).toBeUndefined(); // 20:59 EDT
    expect(quietHoursEnd(at('2026-06-01T12:00:00Z'), ny)).toBeUndefined(); // 08:00 EDT, the window's end
  });

  it('holds a send after the start until the end on the next local morning, across midnight', () => {
    expect(iso(quietHoursEnd(at('2026-06-02T01:00:00Z'), ny))).toBe('2026-06-02T12:00:00.000Z'); // 21:00 EDT → 08:00 EDT
    expect(iso(quietHoursEnd(at('2026-06-02T03:59:00Z'), ny))).toBe('2026-06-02T12:00:00.000Z'); // 23:59 EDT
  });

  it('holds a send after midnight until the end the same local morning', () => {
    expect(iso(quietHoursEnd(at('2026-06-02T05:30:00Z'), ny))).toBe('2026-06-02T12:00:00.000Z'); // 01:30 EDT
    expect(iso(quietHoursEnd(at('2026-06-02T11:59:00Z'), ny))).toBe('2026-06-02T12:00:00.000Z'); // 07:59 EDT
  });

  it('follows the clocks when DST starts overnight (America/New_York, 8 March 2026)', () => {
    // 23:00 EST on 7 March; the morning's 08:00 is EDT, UTC-4.
    expect(iso(quietHoursEnd(at('2026-03-08T04:00:00Z'), ny))).toBe('2026-03-08T12:00:00.000Z');
  });

  it('follows the clocks when DST ends overnight (America/New_York, 1 November 2026)', () => {
    // 22:00 EDT on 31 October; the morning's 08:00 is EST, UTC-5.
    expect(iso(quietHoursEnd(at('2026-11-01T02:00:00Z'), ny))).toBe('2026-11-01T13:00:00.000Z');
    // 01:30 happens twice that night; either one waits for the same 08:00 EST.
    expect(iso(quietHoursEnd(at('2026-11-01T05:30:00Z'), ny))).toBe('2026-11-01T13:00:00.000Z');
    expect(iso(quietHoursEnd(at('2026-11-01T06:30:00Z'), ny))).toBe('2026-11-01T13:00:00.000Z');
  });

  it('handles a window that does not cross midnight, in another zone', () => {
    const lunch = { start: '12:00', end: '14:00', timezone: 'Europe/Paris' };
    expect(iso(quietHoursEnd(at('2026-07-01T10:30:00Z'), lunch))).toBe('2026-07-01T12:00:00.000Z'); // 12:30 CEST
    expect(quietHoursEnd(at('2026-07-01T12:00:00Z'), lunch)).toBeUndefined(); // 14:00 CEST
    expect(quietHoursEnd(at('2026-07-01T09:59:00Z'), lunch)).toBeUndefined();
  });

  it('reads a time the clocks skip as that time moved forward by the skipped hour', () => {
    // 02:30 does not exist in New York on 8 March 2026: clocks go from 02:00 EST to 03:00 EDT.
    expect(iso(instantOf({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(instantOf({ year: 2026, month: 3, day: 8, hour: 3, minute: 0 }, 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z');
  });
});
