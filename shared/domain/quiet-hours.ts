/** A daily window, in local wall-clock time of `timezone`, during which sends wait. */
export interface QuietHours {
  /** "HH:MM", 24-hour. */
  start: string;
  end: string;
  timezone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock time an instant shows in `timeZone`. */
export function wallClock(at: number, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(new Date(at))
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** How far `timeZone` is ahead of UTC at the instant `at`, in ms. */
function offsetAt(at: number, timeZone: string): number {
  const w = wallClock(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The instant a local wall-clock time happens in `timeZone`. A time the clocks skip (a spring-
 * forward gap) is moved forward by the gap (02:30 → 03:30), as java.time and Temporal do; a
 * time that happens twice (fall back) is its first occurrence.
 */
export function instantOf(local: { year: number; month: number; day: number; hour: number; minute: number }, timeZone: string): number {
  const naive = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  const first = naive - offsetAt(naive, timeZone);
  const second = naive - offsetAt(first, timeZone);
  if (second === first) return first;
  // The offsets before and after a change disagree: inside a gap, the later candidate is the real one.
  const third = naive - offsetAt(second, timeZone);
  return third === second ? second : Math.max(first, second);
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When a send due at `due` (epoch ms) may go, given quiet hours: `undefined` when it is outside
 * the window, else the window's end. A window whose start is after its end crosses midnight
 * (21:00–08:00). Local times are read in the window's zone, so DST changes move the window's
 * instants with the clocks.
 */
export function quietHoursEnd(due: number, quiet: QuietHours): number | undefined {
  const w = wallClock(due, quiet.timezone);
  const now = w.hour * 60 + w.minute;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return undefined;
  // The end falls on the same local date, unless the window crosses midnight and we are before it.
  let date = { year: w.year, month: w.month, day: w.day };
  if (start > end && now >= start) {
    const next = new Date(Date.UTC(w.year, w.month - 1, w.day + 1));
    date = { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
  }
  const endAt = instantOf({ ...date, hour: Math.floor(end / 60), minute: end % 60 }, quiet.timezone);
  return Math.max(endAt, due);
}
