import { toE164 } from '../domain/phone.ts';
import { MAX_MESSAGE_CODE_POINTS } from '../domain/messages.ts';
import * as z from 'zod/mini';
import '../validation.ts';

/** A phone number field: a string libphonenumber-js holds valid, normalised to E.164. */
const phone = (name: string) =>
  z.pipe(
    z.string({ error: `${name} must be a phone number in E.164 form, such as +14155550100.` }),
    z.transform((value, ctx) => {
      const e164 = /^\+[1-9]\d{1,14}$/.test(value.trim()) ? toE164(value) : undefined;
      if (e164) return e164;
      ctx.issues.push({ code: 'custom', message: `${name} must be a valid phone number in E.164 form, such as +14155550100.`, input: value });
      return z.NEVER;
    }),
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
