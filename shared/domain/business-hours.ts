import { wallClock } from './quiet-hours.ts';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A line's opening hours: per weekday, ranges of local wall-clock time ("09:00" to "17:00", end excluded). */
export interface BusinessHours {
  timezone: string;
  days: Partial<Record<Weekday, Array<[string, string]>>>;
}

/** "HH:MM" as minutes after midnight; "24:00" is the end of the day. */
export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Whether the line is open at the instant `at`. The weekday and time are read on the wall clock
 * of the line's zone, so a range keeps its local meaning across daylight-saving changes.
 */
export function isOpen(hours: BusinessHours | undefined, at: number): boolean {
  if (!hours) return true;
  const clock = wallClock(at, hours.timezone);
  const weekday = WEEKDAYS[new Date(Date.UTC(clock.year, clock.month - 1, clock.day)).getUTCDay()]!;
  const minute = clock.hour * 60 + clock.minute;
  return (hours.days[weekday] ?? []).some(([start, end]) => minute >= minutesOf(start) && minute < minutesOf(end));
}

/** Problems with one day's ranges: a range that ends before it starts, or two that overlap. */
export function rangeProblems(day: string, ranges: Array<[string, string]>): string[] {
  const problems: string[] = [];
  for (const [start, end] of ranges) {
    if (minutesOf(end) <= minutesOf(start)) problems.push(`businessHours.days.${day}: the range ${start}-${end} must end after it starts.`);
  }
  const sorted = [...ranges].sort((a, b) => minutesOf(a[0]) - minutesOf(b[0]));
  for (let i = 1; i < sorted.length; i++) {
    const [prevStart, prevEnd] = sorted[i - 1]!;
    const [start, end] = sorted[i]!;
    if (minutesOf(start) < minutesOf(prevEnd)) {
      problems.push(`businessHours.days.${day}: the ranges ${prevStart}-${prevEnd} and ${start}-${end} overlap.`);
    }
  }
  return problems;
}
