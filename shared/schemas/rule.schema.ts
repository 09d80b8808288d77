import { z } from 'zod';
import { toE164 } from '../domain/phone.ts';
import { MAX_TEMPLATE_LENGTH, templateProblems } from '../domain/message-template.ts';
import { compileUserPattern, MAX_PATTERN_LENGTH, UserPatternError } from '../domain/user-pattern.ts';

export const channels = ['sms', 'mms', 'whatsapp', 'email'] as const;
export type Channel = (typeof channels)[number];

const email = z.email({ message: 'target must be an email address for the email channel.' });

const fields = {
  eventType: z.literal('file_upload', { message: 'eventType must be "file_upload".' }),
  fileType: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{1,20}$/, 'fileType is an extension without the dot, such as "pdf" (letters and digits, at most 20).')
    .transform((t) => t.toLowerCase())
    .nullish(),
  fileNameRegex: z.string().min(1).max(MAX_PATTERN_LENGTH).nullish(),
  minSizeKb: z.number().finite().nonnegative().max(5 * 1024 * 1024).nullish(),
  notifyVia: z.enum(channels, { message: `notifyVia must be one of ${channels.join(', ')}.` }),
  target: z.string().trim().min(1).max(254),
  isActive: z.boolean(),
  messageTemplate: z.string().min(1).max(MAX_TEMPLATE_LENGTH).nullish(),
};

/** Checks a whole rule beyond field shapes and normalises its target to E.164 or a lower-case email. */
function refineRule<T extends { notifyVia: Channel; target: string; fileNameRegex?: string | null; messageTemplate?: string | null }>(
  rule: T,
  ctx: z.RefinementCtx,
): T {
  let target = rule.target;
  if (rule.notifyVia === 'email') {
    const parsed = email.safeParse(rule.target);
    if (parsed.success) target = parsed.data.toLowerCase();
    else ctx.addIssue({ code: 'custom', path: ['target'], message: 'target must be an email address for the email channel.' });
  } else {
    const e164 = toE164(rule.target.replace(/^whatsapp:/, ''));
    if (e164) target = e164;
    else
      ctx.addIssue({
        code: 'custom',
        path: ['target'],
        message: `target must be a valid phone number in E.164 form (such as +14155550100) for the ${rule.notifyVia} channel.`,
      });
  }
  if (rule.fileNameRegex != null) {
    try {
      compileUserPattern(rule.fileNameRegex);
    } catch (err) {
      if (!(err instanceof UserPatternError)) throw err;
      ctx.addIssue({ code: 'custom', path: ['fileNameRegex'], message: err.message });
    }
  }
  if (rule.messageTemplate != null) {
    for (const message of templateProblems(rule.messageTemplate)) {
      ctx.addIssue({ code: 'custom', path: ['messageTemplate'], message });
    }
  }
  return { ...rule, target };
}

/** POST /rules. Unknown fields are refused so a typo cannot silently widen a rule. */
export const createRuleSchema = z
  .strictObject({ ...fields, isActive: fields.isActive.default(true) })
  .transform((rule, ctx) => refineRule(rule, ctx));

/** PATCH /rules/{ruleId}: any subset of the fields; the merged rule is validated as a whole again. */
export const patchRuleSchema = z
  .strictObject({
    eventType: fields.eventType.optional(),
    fileType: fields.fileType,
    fileNameRegex: fields.fileNameRegex,
    minSizeKb: fields.minSizeKb,
    notifyVia: fields.notifyVia.optional(),
    target: fields.target.optional(),
    isActive: fields.isActive.optional(),
    messageTemplate: fields.messageTemplate,
  })
  .refine((patch) => Object.keys(patch).length > 0, 'The patch is empty; send at least one field to change.');

/** A whole rule as stored, re-validated after a patch is merged into it. */
export const ruleFieldsSchema = z.strictObject(fields).transform((rule, ctx) => refineRule(rule, ctx));

export type RuleFields = z.output<typeof ruleFieldsSchema>;
export type RulePatch = z.output<typeof patchRuleSchema>;

export interface Rule extends RuleFields {
  ruleId: string;
  createdAt: string;
  updatedAt: string;
}

/** `{ruleId}` in a path. */
export const ruleIdParams = z.object({ ruleId: z.string().min(1).max(64) });
