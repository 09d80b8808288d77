import { toE164 } from '../domain/phone.ts';
import { MAX_MESSAGE_CODE_POINTS } from '../domain/messages.ts';
import * as z from 'zod/mini';
import { phoneField } from './phone-field.schema.ts';
import '../validation.ts';

/** A phone number field: exactly E.164, and a number libphonenumber-js holds valid. */
const phone = (name: string) =>
  phoneField(
    name,
    (value) => (/^\+[1-9]\d{1,14}$/.test(value.trim()) ? toE164(value) : undefined),
    `${name} must be a valid phone number in E.164 form, such as +14155550100.`,
  );

const codePoints = (text: string) => [...text].length;

/** POST /messages. Unknown fields are refused, so a misspelt field is not silently dropped. */
export const createMessageSchema = z.strictObject({
  from: phone('from'),
  to: phone('to'),
  message: z.string({ error: 'message must be a string of 1 to 160 characters.' }).check(
    z.refine((text) => codePoints(text) >= 1, 'message must not be empty.'),
    z.refine((text) => text.isWellFormed(), 'message must be valid Unicode text (it holds a lone surrogate).'),
    z.refine((text) => codePoints(text) <= MAX_MESSAGE_CODE_POINTS, `message must be at most ${MAX_MESSAGE_CODE_POINTS} characters.`),
  ),
});

export type CreateMessage = z.output<typeof createMessageSchema>;
