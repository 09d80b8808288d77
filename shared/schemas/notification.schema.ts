import * as z from 'zod/mini';
import { channels } from './channels.ts';
import { timezone } from './time-zone.schema.ts';
import '../validation.ts';

export const MAX_METADATA_BYTES = 2048;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 64;
/** How far ahead a send may be scheduled. */
export const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3_600_000;

const isoTime = z.string({ error: 'sendAt must be an ISO-8601 time such as "2030-01-01T09:00:00Z".' }).check(
  z.regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/,
    'sendAt must be an ISO-8601 time with a zone, such as "2030-01-01T09:00:00Z".',
  ),
  z.refine((s) => !Number.isNaN(Date.parse(s)), 'sendAt is not a real date.'),
);

/** One send as POST /notifications (and each batch item) takes it; checks that need the clock or a template come later. */
export const sendRequestSchema = z
  .strictObject({
    to: z
      .string({ error: 'to must be a phone number in E.164 form, or an email address for email.' })
      .check(z.trim(), z.minLength(1, 'to must not be empty.'), z.maxLength(254, 'to must be at most 254 characters.')),
    channel: z._default(z.enum(channels, { error: `channel must be one of ${channels.join(', ')}.` }), 'sms'),
    body: z.optional(z.string({ error: 'body must be a string.' }).check(z.minLength(1, 'body must not be empty.'))),
    templateId: z.optional(z.string({ error: 'templateId must be a string.' }).check(z.minLength(1), z.maxLength(64))),
    variables: z.optional(z.record(z.string(), z.string({ error: 'Each template variable must be a string.' }))),
    mediaFileIds: z.optional(
      z
        .array(z.string().check(z.minLength(1), z.maxLength(64)))
        .check(z.minLength(1, 'mediaFileIds must name at least one file.'), z.maxLength(10, 'mediaFileIds may name at most 10 files.')),
    ),
    sendAt: z.optional(isoTime),
    priority: z._default(
      z
        .number({ error: 'priority must be a whole number from 0 to 10.' })
        .check(
          z.refine(Number.isInteger, 'priority must be a whole number from 0 to 10.'),
          z.gte(0, 'priority must be at least 0.'),
          z.lte(10, 'priority must be at most 10.'),
        ),
      1,
    ),
    timezone: z.optional(timezone),
    idempotencyKey: z.optional(
      z
        .string({ error: 'idempotencyKey must be a string.' })
        .check(
          z.minLength(1, 'idempotencyKey must not be empty.'),
          z.maxLength(MAX_IDEMPOTENCY_KEY_LENGTH, `idempotencyKey must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`),
        ),
    ),
    metadata: z.optional(
      z
        .record(z.string(), z.unknown(), { error: 'metadata must be a JSON object.' })
        .check(z.refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON.`)),
    ),
  })
  .check(
    z.refine((r) => (r.body === undefined) !== (r.templateId === undefined), {
      message: 'Send exactly one of body and templateId.',
      path: ['body'],
    }),
    z.refine((r) => r.variables === undefined || r.templateId !== undefined, { message: 'variables go with templateId.', path: ['variables'] }),
    z.refine((r) => r.mediaFileIds === undefined || r.channel === 'mms', { message: 'mediaFileIds go with the mms channel.', path: ['mediaFileIds'] }),
  );

export type SendRequest = z.output<typeof sendRequestSchema>;

/** Sends one POST /notifications/batch takes at most. */
export const MAX_BATCH = 100;

/** POST /notifications/batch: each item is checked against sendRequestSchema on its own, so one bad item fails alone. */
export const batchRequestSchema = z.strictObject({
  items: z
    .array(z.unknown(), { error: 'items must be an array of sends.' })
    .check(z.minLength(1, 'items must hold at least one send.'), z.maxLength(MAX_BATCH, `items may hold at most ${MAX_BATCH} sends.`)),
});

/** PATCH /notifications/{id}. */
export const rescheduleSchema = z.strictObject({ sendAt: isoTime });
