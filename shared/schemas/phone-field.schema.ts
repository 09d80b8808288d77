import * as z from 'zod/mini';
import { e164Form } from '../domain/phone-form.ts';
import '../validation.ts';

/**
 * A phone number field, in E.164 as `normalise` gives it, or a 400 naming the field. The caller
 * chooses the check: `toE164` where the number is written (it must be valid), `e164Form` where
 * it is only looked up, so that a read path loads no phone library.
 */
export const phoneField = (
  name: string,
  normalise: (raw: string) => string | undefined,
  problem = `${name} must be a phone number in E.164 form, such as +14155550100.`,
) =>
  z.pipe(
    z.string({ error: `${name} must be a phone number in E.164 form, such as +14155550100.` }),
    z.transform((value, ctx) => {
      const n = normalise(value);
      if (!n) ctx.issues.push({ code: 'custom', message: problem, input: value });
      return n ?? z.NEVER;
    }),
  );

/** A list filter on a phone number: its E.164 form (see `e164Form`). */
export const phoneFilter = (name: string) => phoneField(name, e164Form);
