import * as z from 'zod/mini';
import { rangeProblems, WEEKDAYS } from '../domain/business-hours.ts';
import { toE164 } from '../domain/phone.ts';
import { targetIssue } from '../targets.ts';
import { LOOP_MESSAGE } from '../domain/lines.ts';
import { isTimeZone } from './time-zone.schema.ts';
import '../validation.ts';

/** Variables a missed-call reply may use. */
export const REPLY_VARIABLES = ['businessName', 'callerNumber'] as const;
export const DEFAULT_MISSED_CALL_REPLY = 'Sorry we missed your call. How can we help? Reply here and {{businessName}} will get back to you.';
/** Twilio's <Dial timeout> takes 5 to 600 seconds. */
const MIN_RING_SECONDS = 5;
const MAX_RING_SECONDS = 600;

const phone = (field: string) =>
  z.pipe(
    z.string({ error: `${field} must be a phone number in E.164 form, such as +14155550100.` }),
    z.transform((value, ctx) => {
      const e164 = toE164(value);
      if (!e164) {
        ctx.issues.push({ code: 'custom', message: `${field} must be a valid phone number in E.164 form, such as +14155550100.`, input: value });
        return z.NEVER;
      }
      const refusal = field === 'forwardTo' ? targetIssue(field, e164) : undefined;
      if (refusal) {
        ctx.issues.push({ code: 'custom', message: refusal, input: value });
        return z.NEVER;
      }
      return e164;
    }),
  );

const hhmm = z.string().check(z.regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'business hours are 24-hour times such as "09:00" ("24:00" ends the day).'));
const dayRanges = z.array(z.tuple([hhmm, hhmm]), { error: 'each day is a list of ["HH:MM","HH:MM"] ranges.' }).check(z.maxLength(12));

export const businessHoursSchema = z
  .strictObject({
    timezone: z
      .string({ error: 'businessHours.timezone must be an IANA time zone such as "America/New_York".' })
      .check(z.refine(isTimeZone, 'businessHours.timezone must be an IANA time zone such as "America/New_York".')),
    days: z.strictObject(
      Object.fromEntries(WEEKDAYS.map((d) => [d, z.optional(dayRanges)])) as Record<(typeof WEEKDAYS)[number], z.ZodMiniOptional<typeof dayRanges>>,
    ),
  })
  .check(
    z.superRefine((hours, ctx) => {
      for (const [day, ranges] of Object.entries(hours.days)) {
        for (const message of rangeProblems(day, (ranges ?? []) as Array<[string, string]>)) {
          ctx.issues.push({ code: 'custom', message, input: ranges, path: ['days', day] });
        }
      }
    }),
  );

const replyTemplate = z.string({ error: 'missedCallReply must be a string.' }).check(
  z.trim(),
  z.minLength(1, 'missedCallReply must not be empty.'),
  z.maxLength(1_000, 'missedCallReply must be at most 1000 characters.'),
  z.superRefine((text, ctx) => {
    for (const [, name] of text.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
      if (!(REPLY_VARIABLES as readonly string[]).includes(name ?? '')) {
        ctx.issues.push({
          code: 'custom',
          message: `missedCallReply uses {{${name}}}; only ${REPLY_VARIABLES.map((v) => `{{${v}}}`).join(' and ')} are known.`,
          input: text,
        });
      }
    }
  }),
);

const editable = {
  forwardTo: phone('forwardTo'),
  businessName: z
    .string({ error: 'businessName must be a string.' })
    .check(z.trim(), z.minLength(1, 'businessName must not be empty.'), z.maxLength(100, 'businessName must be at most 100 characters.')),
  ringSeconds: z
    .number({ error: `ringSeconds must be a whole number from ${MIN_RING_SECONDS} to ${MAX_RING_SECONDS}.` })
    .check(
      z.refine(Number.isInteger, 'ringSeconds must be a whole number.'),
      z.gte(MIN_RING_SECONDS, `ringSeconds must be at least ${MIN_RING_SECONDS}.`),
      z.lte(MAX_RING_SECONDS, `ringSeconds must be at most ${MAX_RING_SECONDS}.`),
    ),
  missedCallReply: replyTemplate,
  voicemail: z.boolean({ error: 'voicemail must be true or false.' }),
  businessHours: businessHoursSchema,
  replyWindowHours: z
    .number({ error: 'replyWindowHours must be a number of hours from 0 to 720.' })
    .check(z.gte(0, 'replyWindowHours must be at least 0.'), z.lte(720, 'replyWindowHours must be at most 720 (30 days).')),
  handoffUrl: z.url({ protocol: /^https?$/, error: 'handoffUrl must be an http(s) URL.' }).check(z.maxLength(2048)),
};

/** POST /lines. */
export const createLineSchema = z
  .strictObject({
    number: phone('number'),
    forwardTo: editable.forwardTo,
    businessName: z.optional(editable.businessName),
    ringSeconds: z._default(editable.ringSeconds, 20),
    missedCallReply: z._default(editable.missedCallReply, DEFAULT_MISSED_CALL_REPLY),
    voicemail: z._default(editable.voicemail, true),
    businessHours: z.optional(editable.businessHours),
    replyWindowHours: z._default(editable.replyWindowHours, 24),
    handoffUrl: z.optional(editable.handoffUrl),
  })
  .check(z.refine((line) => line.forwardTo !== line.number, { message: LOOP_MESSAGE, path: ['forwardTo'] }));
export type CreateLine = z.output<typeof createLineSchema>;

/** PATCH /lines/{lineId}: any field but the number; `null` clears an optional one. */
export const updateLineSchema = z.strictObject({
  forwardTo: z.optional(editable.forwardTo),
  businessName: z.optional(z.nullable(editable.businessName)),
  ringSeconds: z.optional(editable.ringSeconds),
  missedCallReply: z.optional(editable.missedCallReply),
  voicemail: z.optional(editable.voicemail),
  businessHours: z.optional(z.nullable(editable.businessHours)),
  replyWindowHours: z.optional(editable.replyWindowHours),
  handoffUrl: z.optional(z.nullable(editable.handoffUrl)),
  number: z.optional(z.custom<never>(() => false, 'number cannot change; delete the line and create one for the new number.')),
});
export type UpdateLine = z.output<typeof updateLineSchema>;
