import { describe, expect, it } from 'vitest';
import { isOpen, rangeProblems, type BusinessHours } from '../../../shared/domain/business-hours.ts';

const newYork: BusinessHours = {
  timezone: 'America/New_York',
  days: {
    sun: [['09:00', '17:00']],
    mon: [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ],
  },
};

describe('business hours', () => {
  it("reads the weekday and time on the line's wall clock", () => {
    expect(isOpen(newYork, Date.parse('2026-06-01T13:30:00Z'))).toBe(true); // Mon 09:30 EDT
    expect(isOpen(newYork, Date.parse('2026-06-01T16:30:00Z'))).toBe(false); // Mon 12:30 EDT, lunch
    expect(isOpen(newYork, Date.parse('2026-06-01T12:30:00Z'))).toBe(false); // Mon 08:30 EDT
    expect(isOpen(newYork, Date.parse('2026-06-02T14:00:00Z'))).toBe(false); // Tue: closed
  });

  it('keeps 09:00 local across the spring change (2026-03-08, EST to EDT)', () => {
    // Sunday 2026-03-08 at 09:00 EDT is 13:00 UTC; the day before the change 09:00 was 14:00 UTC.
    expect(isOpen(newYork, Date.parse('2026-03-08T13:00:00Z'))).toBe(true);
    expect(isOpen(newYork, Date.parse('2026-03-08T12:59:00Z'))).toBe(false);
    expect(isOpen(newYork, Date.parse('2026-03-01T13:30:00Z'))).toBe(false); // 08:30 EST a week earlier
    expect(isOpen(newYork, Date.parse('2026-03-01T14:00:00Z'))).toBe(true);
  });

  it('keeps 17:00 local across the autumn change (2026-11-01, EDT to EST)', () => {
    // Sunday 2026-11-01 closes at 17:00 EST = 22:00 UTC (a week earlier it was 21:00 UTC).
    expect(isOpen(newYork, Date.parse('2026-11-01T21:30:00Z'))).toBe(true);
    expect(isOpen(newYork, Date.parse('2026-11-01T22:00:00Z'))).toBe(false);
    expect(isOpen(newYork, Date.parse('2026-10-25T21:30:00Z'))).toBe(false);
  });

  it('is always open without business hours', () => {
    expect(isOpen(undefined, Date.parse('2026-06-02T03:00:00Z'))).toBe(true);
  });

  it('names overlapping and backwards ranges', () => {
    expect(
      rangeProblems('mon', [
        ['09:00', '12:00'],
        ['11:00', '17:00'],
      ]),
    ).toEqual(['businessHours.days.mon: the ranges 09:00-12:00 and 11:00-17:00 overlap.']);
    expect(rangeProblems('tue', [['17:00', '09:00']])[0]).toMatch(/must end after it starts/);
    expect(
      rangeProblems('wed', [
        ['09:00', '12:00'],
        ['12:00', '24:00'],
      ]),
    ).toEqual([]);
  });
});
