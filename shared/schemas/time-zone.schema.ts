import * as z from 'zod/mini';
import '../validation.ts';

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

/** A recipient's or a setting's time zone. */
export const timezone = z
  .string({ error: 'timezone must be an IANA time zone such as "America/New_York".' })
  .check(z.refine(isTimeZone, 'timezone must be an IANA time zone such as "America/New_York".'));
