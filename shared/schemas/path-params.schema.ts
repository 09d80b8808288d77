import * as z from 'zod/mini';
import '../validation.ts';

const id = z.string().check(z.minLength(1), z.maxLength(64));

/** An id the system made (a ULID), named in its problem: `lineId is not a line id.` */
export const ulid = (name: string) => z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, `${name} is not a ${name.replace(/Id$/, '')} id.`));

/** `{ruleId}` in a path. */
export const ruleIdParams = z.object({ ruleId: id });

/** `{fileId}` in a path. */
export const fileIdParams = z.object({ fileId: id });

/** `{messageId}` in a path: a ULID. */
export const messageIdParams = z.object({ messageId: ulid('messageId') });

/** `{notificationId}` in a path. */
export const notificationIdParams = z.object({ notificationId: z.string().check(z.minLength(1), z.maxLength(128)) });

/** `{phone}` in a path: checked as a phone number by the domain, which names the problem. */
export const phoneParams = z.object({ phone: z.string().check(z.minLength(1), z.maxLength(32)) });

/** `{lineId}` in a path: a ULID. */
export const lineIdParams = z.object({ lineId: ulid('lineId') });

/** `{templateId}` in a path. */
export const templateIdParams = z.object({ templateId: id });
