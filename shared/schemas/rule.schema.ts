import { toE164 } from '../domain/phone.ts';
import { targetIssue } from '../targets.ts';
import { MAX_TEMPLATE_LENGTH, templateProblems } from '../domain/message-template.ts';
import { checkPatternCost, compileUserPattern, MAX_PATTERN_LENGTH, UserPatternError } from '../domain/user-pattern.ts';
import * as z from 'zod/mini';
import '../validation.ts';

import { type Channel, channels } from './channels.ts';

export { type Channel, channels };

const email = z.email();

const fields = {
  eventType: z.literal('file_upload', { error: 'eventType must be "file_upload".' }),
  fileType: z.nullish(
    z
      .string()
      .check(
        z.trim(),
        z.regex(/^[A-Za-z0-9]{1,20}$/, 'fileType is an extension without the dot, such as "pdf" (letters and digits, at most 20).'),
        z.toLowerCase(),
      ),
  ),
  fileNameRegex: z.nullish(
    z.string().check(
      z.minLength(1, 'fileNameRegex must not be empty.'),
      z.maxLength(MAX_PATTERN_LENGTH, `fileNameRegex must be at most ${MAX_PATTERN_LENGTH} characters.`),
      z.superRefine((pattern, ctx) => {
        try {
          compileUserPattern(pattern);
          checkPatternCost(pattern);
        } catch (err) {
          if (!(err instanceof UserPatternError)) throw err;
          ctx.issues.push({ code: 'custom', message: err.message, input: pattern });
        }
      }),
    ),
  ),
  minSizeKb: z.nullish(
    z
      .number({ error: 'minSizeKb must be a number of KiB.' })
      .check(z.gte(0, 'minSizeKb must not be negative.'), z.lte(5 * 1024 * 1024, 'minSizeKb must be at most 5 GiB.')),
  ),
  notifyVia: z.enum(channels, { error: `notifyVia must be one of ${channels.join(', ')}.` }),
  target: z.string({ error: 'target must be a string.' }).check(z.trim(), z.minLength(1, 'target must not be empty.'), z.maxLength(254)),
  isActive: z.boolean({ error: 'isActive must be true or false.' }),
  messageTemplate: z.nullish(
    z.string().check(
      z.minLength(1, 'messageTemplate must not be empty.'),
      z.maxLength(MAX_TEMPLATE_LENGTH, `messageTemplate must be at most ${MAX_TEMPLATE_LENGTH} characters.`),
      z.superRefine((template, ctx) => {
        for (const message of templateProblems(template)) ctx.issues.push({ code: 'custom', message, input: template });
      }),
    ),
  ),
  /** One of the user's templates (POST /templates), instead of `messageTemplate`. */
  templateId: z.nullish(z.string({ error: 'templateId must be a string.' }).check(z.minLength(1, 'templateId must not be empty.'), z.maxLength(64))),
};

interface RuleShape {
  notifyVia: Channel;
  target: string;
}

/** The target in its stored form for the channel: E.164, or a lower-case email address; undefined when it is neither. */
function normalTarget(rule: RuleShape): string | undefined {
  if (rule.notifyVia === 'email') return email.safeParse(rule.target).success ? rule.target.toLowerCase() : undefined;
  return toE164(rule.target.replace(/^whatsapp:/, '')) ?? undefined;
}

/**
 * The target must suit the channel. It is checked whenever both fields are sound in themselves,
 * even if other fields are not, so that one answer lists every problem.
 */
const targetSuitsChannel = <T extends RuleShape>() =>
  z.superRefine<T>(
    (rule, ctx) => {
      const normal = normalTarget(rule);
      const refusal = normal !== undefined && rule.notifyVia !== 'email' ? targetIssue('target', normal) : undefined;
      if (refusal) ctx.issues.push({ code: 'custom', path: ['target'], message: refusal, input: rule });
      if (normal !== undefined) return;
      const message =
        rule.notifyVia === 'email'
          ? 'target must be an email address for the email channel.'
          : `target must be a valid phone number in E.164 form (such as +14155550100) for the ${rule.notifyVia} channel.`;
      ctx.issues.push({ code: 'custom', path: ['target'], message, input: rule });
    },
    {
      when: ({ value, issues }) =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        'target' in value &&
        'notifyVia' in value &&
        !issues.some((i) => i.path?.[0] === 'target' || i.path?.[0] === 'notifyVia'),
    },
  );

/** A rule's text comes from its own template or a saved one, not both. */
const oneTemplateSource = <T extends { messageTemplate?: string | null; templateId?: string | null }>() =>
  z.superRefine<T>(
    (rule, ctx) => {
      if (rule.messageTemplate != null && rule.templateId != null) {
        ctx.issues.push({ code: 'custom', path: ['templateId'], message: 'Give either messageTemplate or templateId, not both.', input: rule });
      }
    },
    { when: ({ value }) => typeof value === 'object' && value !== null && !Array.isArray(value) },
  );

/** Normalises a checked rule's target. */
const normaliseTarget = <T extends RuleShape>() => z.transform<T, T>((rule) => ({ ...rule, target: normalTarget(rule)! }));

const createFields = z.strictObject({ ...fields, isActive: z._default(fields.isActive, true) });
const wholeFields = z.strictObject(fields);

/** POST /rules. Unknown fields are refused so a typo cannot silently widen a rule. */
export const createRuleSchema = z.pipe(
  createFields.check(targetSuitsChannel<z.output<typeof createFields>>(), oneTemplateSource<z.output<typeof createFields>>()),
  normaliseTarget<z.output<typeof createFields>>(),
);

/** A whole rule as stored, re-validated after a patch is merged into it. */
export const ruleFieldsSchema = z.pipe(
  wholeFields.check(targetSuitsChannel<z.output<typeof wholeFields>>(), oneTemplateSource<z.output<typeof wholeFields>>()),
  normaliseTarget<z.output<typeof wholeFields>>(),
);

/** PATCH /rules/{ruleId}: any subset of the fields; the merged rule is validated as a whole again. */
export const patchRuleSchema = z
  .strictObject({
    eventType: z.optional(fields.eventType),
    fileType: fields.fileType,
    fileNameRegex: fields.fileNameRegex,
    minSizeKb: fields.minSizeKb,
    notifyVia: z.optional(fields.notifyVia),
    target: z.optional(fields.target),
    isActive: z.optional(fields.isActive),
    messageTemplate: fields.messageTemplate,
    templateId: fields.templateId,
  })
  .check(z.refine((patch) => Object.keys(patch).length > 0, 'The patch is empty; send at least one field to change.'));

export type RuleFields = z.output<typeof ruleFieldsSchema>;
export type RulePatch = z.output<typeof patchRuleSchema>;

export interface Rule extends RuleFields {
  ruleId: string;
  createdAt: string;
  updatedAt: string;
}
