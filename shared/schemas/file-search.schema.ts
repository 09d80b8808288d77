import * as z from 'zod/mini';
import { pageQuery } from '../http.ts';
import '../validation.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/**
 * An ISO-8601 instant as a bound on `uploadedAt`, normalised to the form the server stores
 * (`toISOString`, UTC, milliseconds). A bare date is a whole UTC day: its first millisecond as
 * the lower bound (`from`), its last as the upper one (`to`), so `to=2026-01-31` includes the 31st.
 * Undefined when the text is no real date or time (month 13, February 30, hour 24…) or names
 * no zone, since a server has no local time to assume.
 */
export function parseInstant(text: string, edge: 'start' | 'end'): string | undefined {
  const date = DATE.exec(text);
  if (date) {
    const start = utcDay(Number(date[1]), Number(date[2]), Number(date[3]));
    if (start === undefined) return undefined;
    return new Date(edge === 'start' ? start : start + 86_400_000 - 1).toISOString();
  }
  const time = DATE_TIME.exec(text);
  if (!time) return undefined;
  const [hour, minute, second] = [Number(time[4]), Number(time[5]), Number(time[6] ?? 0)];
  const [offsetHours, offsetMinutes] = [Number(time[8] ?? 0), Number(time[9] ?? 0)];
  if (utcDay(Number(time[1]), Number(time[2]), Number(time[3])) === undefined) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  // Date.parse reads the rest exactly once it is in the form it is specified for (offset with a colon).
  const normalised = time[7] ? text.replace(/([+-]\d{2}):?(\d{2})$/, '$1:$2') : text;
  return new Date(Date.parse(normalised)).toISOString();
}

/** Epoch ms of a calendar day's start in UTC, or undefined for a day that does not exist. */
function utcDay(year: number, month: number, day: number): number | undefined {
  const start = Date.UTC(year, month - 1, day);
  const date = new Date(start);
  const exists = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return exists ? start : undefined;
}

const instant = (field: 'from' | 'to') =>
  z.pipe(
    z.string(),
    z.transform<string, string>((text, ctx) => {
      const parsed = parseInstant(text, field === 'from' ? 'start' : 'end');
      if (parsed !== undefined) return parsed;
      ctx.issues.push({
        code: 'custom',
        input: text,
        message: `${field} must be an ISO-8601 date or time in UTC or with an offset, such as 2026-01-31 or 2026-01-31T09:30:00Z.`,
      });
      return z.NEVER;
    }),
  );

/** `?name=` and friends with nothing after them mean "no filter", as a search form sends them. */
const emptyAsAbsent = <S extends z.ZodMiniType>(schema: S) =>
  z.pipe(
    z.transform((value: unknown) => (value === '' ? undefined : value)),
    z.optional(schema),
  );

const text = (field: string, max: number) => z.string().check(z.maxLength(max, `${field} must be at most ${max} characters.`));

/** GET /files: filters, each optional and all combinable, and the paging every list takes. */
export const fileSearchQuery = z
  .strictObject({
    ...pageQuery,
    name: emptyAsAbsent(text('name', 255)),
    tag: emptyAsAbsent(text('tag', 50)),
    type: emptyAsAbsent(
      z.pipe(
        text('type', 64),
        z.transform((type: string) => type.toLowerCase()),
      ),
    ),
    from: emptyAsAbsent(instant('from')),
    to: emptyAsAbsent(instant('to')),
  })
  .check(
    z.refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
      message: 'from must not be after to.',
      path: ['from'],
    }),
  );
export type FileSearchQuery = z.output<typeof fileSearchQuery>;
