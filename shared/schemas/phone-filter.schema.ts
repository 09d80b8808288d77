import * as z from 'zod/mini';
import { e164Form } from '../domain/phone-form.ts';
import '../validation.ts';

/** A list filter on a phone number: its E.164 form, or a 400 naming the field (see `e164Form`). */
export const phoneFilter = (name: string) =>
  z.pipe(
    z.string({ error: `${name} must be a phone number in E.164 form, such as +14155550100.` }),
    z.transform((value, ctx) => {
      const n = e164Form(value);
      if (!n) ctx.issues.push({ code: 'custom', message: `${name} must be a phone number in E.164 form, such as +14155550100.`, input: value });
      return n ?? z.NEVER;
    }),
  );
