import { ConflictError, LimitExceededError, ValidationError } from '../errors.ts';
import type { Rule, RuleRepository } from '../ports.ts';
import { ruleFieldsSchema, type RuleFields, type RulePatch } from '../schemas/rule.schema.ts';
import { newId } from './ids.ts';
import { getRule } from './rule-queries.ts';

export const DEFAULT_MAX_RULES_PER_USER = 1000;

/**
 * Stores a validated rule for its owner, within the per-user cap that bounds what one upload
 * can cost to match. The count and the write are separate requests, so two creates racing at
 * the cap may both pass: the cap is a bound on cost, not an exact quota.
 */
export async function createRule(
  rules: RuleRepository,
  userId: string,
  fields: RuleFields,
  opts: { maxRules?: number; now?: Date } = {},
): Promise<Rule> {
  const maxRules = opts.maxRules ?? DEFAULT_MAX_RULES_PER_USER;
  if ((await rules.count(userId)) >= maxRules) {
    throw new LimitExceededError(`You have ${maxRules} rules, the most one user may have; delete one before adding another.`);
  }
  const now = opts.now ?? new Date();
  const at = now.toISOString();
  const rule: Rule = { ...fields, ruleId: newId(now.getTime()), createdAt: at, updatedAt: at };
  await rules.create(userId, rule);
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
): Promise<Rule> {
  const current = await getRule(rules, userId, ruleId);
  const { ruleId: _id, createdAt, updatedAt, ...currentFields } = current;
  const merged = ruleFieldsSchema.safeParse({ ...currentFields, ...patch });
  if (!merged.success) {
    throw new ValidationError(
      `The rule after this change would be invalid: ${merged.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' ')}`,
      merged.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    );
  }
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
