import { ConflictError, LimitExceededError, ValidationError } from '../errors.ts';
import type { Rule, RuleRepository, TemplateRepository } from '../ports.ts';
import { longestRendering, MAX_TEMPLATE_LENGTH, templateProblems } from './message-template.ts';
import { ruleFieldsSchema, type RuleFields, type RulePatch } from '../schemas/rule.schema.ts';
import { newId } from './ids.ts';
import { getRule } from './rule-queries.ts';

export const DEFAULT_MAX_RULES_PER_USER = 1000;

/**
 * Stores a validated rule for its owner, within the per-user cap that bounds what one upload
 * can cost to match. The repository keeps the cap exactly, even when creates race.
 */
export async function createRule(
  rules: RuleRepository,
  userId: string,
  fields: RuleFields,
  opts: { maxRules?: number; now?: Date; templates?: TemplateRepository } = {},
): Promise<Rule> {
  if (fields.templateId != null) await checkRuleTemplate(opts.templates, userId, fields.templateId);
  const maxRules = opts.maxRules ?? DEFAULT_MAX_RULES_PER_USER;
  const now = opts.now ?? new Date();
  const at = now.toISOString();
  const rule: Rule = { ...fields, ruleId: newId(now.getTime()), createdAt: at, updatedAt: at };
  if (!(await rules.create(userId, rule, maxRules))) {
    throw new LimitExceededError(`You have ${maxRules} rules, the most one user may have; delete one before adding another.`);
  }
  return rule;
}

/**
 * Applies a partial update: the patch is merged into the stored rule and the result is
 * validated as a whole, so a patch cannot leave, say, an sms rule with an email target.
 */
export async function updateRule(
  rules: RuleRepository,
  userId: string,
  ruleId: string,
  patch: RulePatch,
  now = new Date(),
  templates?: TemplateRepository,
): Promise<Rule> {
  const current = await getRule(rules, userId, ruleId);
  // Naming one of the two template fields replaces the other.
  if (patch.templateId != null) patch = { ...patch, messageTemplate: null };
  else if (patch.messageTemplate != null) patch = { ...patch, templateId: null };
  const { ruleId: _id, createdAt, updatedAt, ...currentFields } = current;
  const merged = ruleFieldsSchema.safeParse({ ...currentFields, ...patch });
  if (!merged.success) {
    throw new ValidationError(
      `The rule after this change would be invalid: ${merged.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' ')}`,
      merged.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    );
  }
  if (merged.data.templateId != null && patch.templateId !== undefined) await checkRuleTemplate(templates, userId, merged.data.templateId);
  const next: Rule = { ...merged.data, ruleId, createdAt, updatedAt: laterThan(updatedAt, now) };
  if (!(await rules.replace(userId, next, updatedAt))) {
    throw new ConflictError('The rule changed while this update was applied; read it again and retry.');
  }
  return next;
}

// updatedAt doubles as the optimistic-lock version, so two updates in one millisecond must differ.
function laterThan(previous: string, now: Date): string {
  const candidate = now.toISOString();
  return candidate > previous ? candidate : new Date(Date.parse(previous) + 1).toISOString();
}

/**
 * A rule may use one of the user's templates when every variable it names is one an upload
 * offers and it cannot render longer than Twilio takes, whatever the file.
 */
async function checkRuleTemplate(templates: TemplateRepository | undefined, userId: string, templateId: string): Promise<void> {
  const template = templates ? await templates.get(userId, templateId) : undefined;
  const refuse = (message: string) => new ValidationError(message, [{ field: 'templateId', message }]);
  if (!template) throw refuse(`templateId: template ${templateId} was not found.`);
  const problems = templateProblems(template.body);
  if (problems.length > 0) throw refuse(`templateId: the template does not suit a rule. ${problems.join(' ')}`);
  const longest = longestRendering(template.body);
  if (longest > MAX_TEMPLATE_LENGTH) {
    throw refuse(
      `templateId: the template can render ${longest} characters with the longest file names and tags, over Twilio's ${MAX_TEMPLATE_LENGTH}; shorten it.`,
    );
  }
}
