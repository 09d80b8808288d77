import { describe, it, expect } from 'vitest';
import { ConflictError, LimitExceededError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { deleteRule, getRule, presentRule } from '../../../shared/domain/rule-queries.ts';
import { createRule, updateRule } from '../../../shared/domain/rules.ts';
import { createRuleSchema, patchRuleSchema } from '../../../shared/schemas/rule.schema.ts';
import { FakeRuleRepository } from '../../support/fake-ports.ts';

const createdAt = new Date('2030-01-01T10:00:00.000Z');
const later = new Date('2030-01-01T11:00:00.000Z');

async function withRule(fields: Record<string, unknown> = {}) {
  const rules = new FakeRuleRepository();
  const rule = await createRule(
    rules,
    'alice',
    createRuleSchema.parse({ eventType: 'file_upload', notifyVia: 'sms', target: '+14155550100', fileType: 'pdf', ...fields }),
    { now: createdAt },
  );
  return { rules, rule };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('The promise resolved.');
}

describe('createRule', () => {
  it('stores the rule under its owner with an id and equal created and updated times', async () => {
    const { rules, rule } = await withRule();
    expect(rule).toMatchObject({ createdAt: '2030-01-01T10:00:00.000Z', updatedAt: '2030-01-01T10:00:00.000Z', isActive: true });
    expect(rule.ruleId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(await rules.get('alice', rule.ruleId)).toEqual(rule);
  });

  it('refuses a rule beyond the per-user cap with a 422 that says what to do, and writes nothing', async () => {
    const rules = new FakeRuleRepository();
    const fields = createRuleSchema.parse({ eventType: 'file_upload', notifyVia: 'sms', target: '+14155550100' });
    await createRule(rules, 'alice', fields, { maxRules: 2 });
    await createRule(rules, 'alice', fields, { maxRules: 2 });
    const err = await rejection(createRule(rules, 'alice', fields, { maxRules: 2 }));
    expect(err).toBeInstanceOf(LimitExceededError);
    expect((err as LimitExceededError).statusCode).toBe(422);
    expect((err as Error).message).toMatch(/delete one/);
    expect(await rules.count('alice')).toBe(2);
    expect(await createRule(rules, 'bob', fields, { maxRules: 2 })).toBeDefined();
  });
});

describe('updateRule', () => {
  it('merges the patch into the stored rule and keeps the rest', async () => {
    const { rules, rule } = await withRule({ fileNameRegex: 'report' });

    const updated = await updateRule(rules, 'alice', rule.ruleId, patchRuleSchema.parse({ fileType: 'DOCX', minSizeKb: 10 }), later);

    expect(updated).toEqual({
      ...rule,
      fileType: 'docx',
      minSizeKb: 10,
      updatedAt: '2030-01-01T11:00:00.000Z',
    });
    expect(await rules.get('alice', rule.ruleId)).toEqual(updated);
  });

  it('clears a criterion patched to null', async () => {
    const { rules, rule } = await withRule();
    const updated = await updateRule(rules, 'alice', rule.ruleId, { fileType: null }, later);
    expect(presentRule(updated).fileType).toBeNull();
  });

  it('normalises a patched target as a new rule would', async () => {
    const { rules, rule } = await withRule();
    const updated = await updateRule(rules, 'alice', rule.ruleId, { notifyVia: 'email', target: 'Bob@Example.COM' }, later);
    expect(updated).toMatchObject({ notifyVia: 'email', target: 'bob@example.com' });
  });

  it('refuses a patch that would leave an email rule with a phone target, and keeps the stored rule', async () => {
    const { rules, rule } = await withRule();

    const err = await rejection(updateRule(rules, 'alice', rule.ruleId, { notifyVia: 'email' }, later));

    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ statusCode: 400, details: [{ field: 'target', message: expect.stringMatching(/email address/) }] });
    expect(await rules.get('alice', rule.ruleId)).toEqual(rule);
  });

  it('refuses a patch that puts an email address on an sms rule', async () => {
    const { rules, rule } = await withRule();
    await expect(updateRule(rules, 'alice', rule.ruleId, { target: 'alice@example.com' }, later)).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses with ConflictError when the rule changed between read and write', async () => {
    const { rules, rule } = await withRule();

    const results = await Promise.allSettled([
      updateRule(rules, 'alice', rule.ruleId, { minSizeKb: 1 }, later),
      updateRule(rules, 'alice', rule.ruleId, { minSizeKb: 2 }, later),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect((await rules.get('alice', rule.ruleId))?.minSizeKb).toBe(1);
  });

  it('gives each update a new version even within the same millisecond', async () => {
    const { rules, rule } = await withRule();
    const first = await updateRule(rules, 'alice', rule.ruleId, { minSizeKb: 1 }, createdAt);
    expect(first.updatedAt > rule.updatedAt).toBe(true);
    const second = await updateRule(rules, 'alice', rule.ruleId, { minSizeKb: 2 }, createdAt);
    expect(second.updatedAt > first.updatedAt).toBe(true);
  });

  it("answers NotFoundError for another user's rule and leaves it alone", async () => {
    const { rules, rule } = await withRule();
    await expect(updateRule(rules, 'bob', rule.ruleId, { isActive: false }, later)).rejects.toBeInstanceOf(NotFoundError);
    expect((await rules.get('alice', rule.ruleId))?.isActive).toBe(true);
  });

  it('answers NotFoundError for a rule that does not exist', async () => {
    const { rules } = await withRule();
    await expect(updateRule(rules, 'alice', 'missing', { isActive: false }, later)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('getRule', () => {
  it("answers another user's rule exactly as a missing one", async () => {
    const { rules, rule } = await withRule();
    const foreign = await rejection(getRule(rules, 'bob', rule.ruleId));
    const missing = await rejection(getRule(rules, 'bob', 'missing'));
    expect(foreign).toBeInstanceOf(NotFoundError);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(foreign).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });
});

describe('deleteRule', () => {
  it('removes the rule', async () => {
    const { rules, rule } = await withRule();
    await deleteRule(rules, 'alice', rule.ruleId);
    expect(await rules.get('alice', rule.ruleId)).toBeUndefined();
  });

  it('answers NotFoundError for a rule that does not exist', async () => {
    const { rules } = await withRule();
    await expect(deleteRule(rules, 'alice', 'missing')).rejects.toBeInstanceOf(NotFoundError);
  });

  it("answers NotFoundError for another user's rule and keeps it", async () => {
    const { rules, rule } = await withRule();
    await expect(deleteRule(rules, 'bob', rule.ruleId)).rejects.toBeInstanceOf(NotFoundError);
    expect(await rules.get('alice', rule.ruleId)).toEqual(rule);
  });
});

describe('presentRule', () => {
  it('shows absent criteria and template as null', async () => {
    const { rule } = await withRule({ fileType: undefined });
    expect(presentRule(rule)).toEqual({
      ruleId: rule.ruleId,
      eventType: 'file_upload',
      fileType: null,
      fileNameRegex: null,
      minSizeKb: null,
      notifyVia: 'sms',
      target: '+14155550100',
      isActive: true,
      messageTemplate: null,
      createdAt: '2030-01-01T10:00:00.000Z',
      updatedAt: '2030-01-01T10:00:00.000Z',
    });
  });

  it('shows set criteria as they are, including a minimum of 0', async () => {
    const { rule } = await withRule({ fileNameRegex: '^inv', minSizeKb: 0, messageTemplate: 'Got {{fileName}}' });
    expect(presentRule(rule)).toMatchObject({ fileType: 'pdf', fileNameRegex: '^inv', minSizeKb: 0, messageTemplate: 'Got {{fileName}}' });
  });
});
