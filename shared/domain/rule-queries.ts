import { NotFoundError } from '../errors.ts';
import type { Rule, RuleRepository } from '../ports.ts';

// Reading and deleting rules needs no validation, so these live apart from the schema-heavy
// write side and the read handlers' bundles stay free of the regex and phone-number engines.

/** One rule of the user's; another user's rule is as missing as one that never existed. */
export async function getRule(rules: RuleRepository, userId: string, ruleId: string): Promise<Rule> {
  const rule = await rules.get(userId, ruleId);
  if (!rule) throw new NotFoundError(`Rule ${ruleId}`);
  return rule;
}

/** Removes a rule; later uploads no longer match it. */
export async function deleteRule(rules: RuleRepository, userId: string, ruleId: string): Promise<void> {
  if (!(await rules.delete(userId, ruleId))) throw new NotFoundError(`Rule ${ruleId}`);
}

/** A rule as the API shows it: every field present, absent criteria as null. */
export function presentRule(rule: Rule) {
  return {
    ruleId: rule.ruleId,
    eventType: rule.eventType,
    fileType: rule.fileType ?? null,
    fileNameRegex: rule.fileNameRegex ?? null,
    minSizeKb: rule.minSizeKb ?? null,
    notifyVia: rule.notifyVia,
    target: rule.target,
    isActive: rule.isActive,
    messageTemplate: rule.messageTemplate ?? null,
    ...(rule.templateId ? { templateId: rule.templateId } : {}),
    createdAt: rule.createdAt,
    updatedAt: rule.updatedAt,
  };
}
