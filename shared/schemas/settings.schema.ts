import * as z from 'zod/mini';
import { timezone } from './time-zone.schema.ts';
import '../validation.ts';

const hhmm = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'quietHours start and end are 24-hour times such as "21:00".'));
/** PUT /settings. */
export const settingsSchema = z.strictObject({
  quietHours: z.optional(
    z.nullable(
      z
        .strictObject({ start: hhmm, end: hhmm, timezone })
        .check(z.refine((q) => q.start !== q.end, { message: 'quietHours start and end must differ.', path: ['end'] })),
    ),
  ),
  dedupWindowSeconds: z.optional(
    z
      .number({ error: 'dedupWindowSeconds must be a whole number of seconds from 0 to 86400.' })
      .check(
        z.refine(Number.isInteger, 'dedupWindowSeconds must be a whole number.'),
        z.gte(0, 'dedupWindowSeconds must be at least 0.'),
        z.lte(86_400, 'dedupWindowSeconds must be at most 86400 (a day).'),
      ),
  ),
  optOutFooter: z.optional(
    z.nullable(
      z.string().check(z.minLength(1, 'optOutFooter must not be empty; send null for none.'), z.maxLength(100, 'optOutFooter must be at most 100 characters.')),
    ),
  ),
});
export type SettingsInput = z.output<typeof settingsSchema>;
