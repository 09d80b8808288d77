import * as z from 'zod/mini';
import { pageQuery } from '../http.ts';
import { phoneFilter } from './phone-field.schema.ts';
import { ulid } from './path-params.schema.ts';
import '../validation.ts';

const callStatuses = ['ringing', 'answered', 'missed', 'voicemail', 'failed'] as const;
const conversationStatuses = ['open', 'closed'] as const;
/** GET /calls. */
export const callListQuery = z.strictObject({
  ...pageQuery,
  lineId: z.optional(ulid('lineId')),
  status: z.optional(z.enum(callStatuses, { error: `status must be one of ${callStatuses.join(', ')}.` })),
  from: z.optional(phoneFilter('from')),
});

/** `{callId}`: a Twilio CallSid. */
export const callIdParams = z.object({ callId: z.string().check(z.regex(/^CA[0-9a-fA-F]{32}$/, 'callId is a CallSid: CA followed by 32 hex digits.')) });

/** GET /conversations. */
export const conversationListQuery = z.strictObject({
  ...pageQuery,
  lineId: z.optional(ulid('lineId')),
  status: z.optional(z.enum(conversationStatuses, { error: 'status must be open or closed.' })),
});

export const conversationIdParams = z.object({ conversationId: ulid('conversationId') });

/** POST /conversations/{id}/messages. */
export const conversationReplySchema = z.strictObject({
  body: z
    .string({ error: 'body must be a string.' })
    .check(z.trim(), z.minLength(1, 'body must not be empty.'), z.maxLength(1_600, 'body must be at most 1600 characters.')),
});

/** PATCH /conversations/{id}. */
export const conversationUpdateSchema = z.strictObject({ status: z.enum(conversationStatuses, { error: 'status must be open or closed.' }) });
