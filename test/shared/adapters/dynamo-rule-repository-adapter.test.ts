import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DynamoRuleRepository } from '../../../shared/adapters/dynamo-rule-repository-adapter.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Rule } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;
let repo: DynamoRuleRepository;

beforeAll(async () => {
  env = await startTestEngines();
  repo = env.adapters.rules;
});

afterAll(async () => {
  await env?.stop();
});

const newUser = () => `user-${randomUUID()}`;

function rule(overrides: Partial<Rule> = {}): Rule {
  const at = new Date().toISOString();
  return {
    ruleId: newId(),
    eventType: 'file_upload',
    fileType: 'pdf',
    fileNameRegex: '^invoice',
    minSizeKb: 1,
    notifyVia: 'sms',
    target: '+14155550100',
    isActive: true,
    messageTemplate: 'New file {{fileName}}',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

async function createRules(userId: string, count: number): Promise<Rule[]> {
  const rules: Rule[] = [];
  for (let i = 0; i < count; i++) {
    const r = rule({ target: `+1415555${String(1000 + i)}` });
    await repo.create(userId, r);
    rules.push(r);
  }
  return rules;
}

describe('DynamoRuleRepository', () => {
  it('gets back exactly the rule it created, without key attributes', async () => {
    const userId = newUser();
    const r = rule();
    await repo.create(userId, r);
    expect(await repo.get(userId, r.ruleId)).toEqual(r);
  });

  it('refuses to create a rule over an existing one', async () => {
    const userId = newUser();
    const r = rule();
    await repo.create(userId, r);
    await expect(repo.create(userId, { ...r, target: '+14155550199' })).rejects.toThrow();
    expect((await repo.get(userId, r.ruleId))?.target).toBe(r.target);
  });

  it('finds nothing for a missing rule', async () => {
    expect(await repo.get(newUser(), newId())).toBeUndefined();
  });

  it('lists a user’s rules newest first, a page at a time, each once', async () => {
    const userId = newUser();
    const created = await createRules(userId, 7);
    const newestFirst = created.map((r) => r.ruleId).reverse();

    const seen: string[] = [];
    const sizes: number[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await repo.list(userId, { limit: 3, startKey });
      seen.push(...page.items.map((r) => r.ruleId));
      sizes.push(page.items.length);
      startKey = page.lastKey;
    } while (startKey && sizes.length < 10);

    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(newestFirst);
    const first = await repo.list(userId, { limit: 1 });
    expect(first.items[0]).toEqual(created.at(-1));
  });

  it('lists all of a user’s rules in one call', async () => {
    const userId = newUser();
    const created = await createRules(userId, 30);
    const all = await repo.listAll(userId);
    expect(all).toHaveLength(30);
    expect(all.map((r) => r.ruleId).sort()).toEqual(created.map((r) => r.ruleId).sort());
    expect(all.find((r) => r.ruleId === created[12]!.ruleId)).toEqual(created[12]);
  });

  it('lists all rules across DynamoDB’s 1 MB pages', { timeout: 30_000 }, async () => {
    // Each rule carries a 4000-character template, so ~300 of them pass 1 MB and need a second page.
    const userId = newUser();
    const template = `{{fileName}} ${'x'.repeat(3990)}`;
    const batch = Array.from({ length: 300 }, () => rule({ messageTemplate: template }));
    for (let i = 0; i < batch.length; i += 25) {
      await Promise.all(batch.slice(i, i + 25).map((r) => repo.create(userId, r)));
    }

    const send = vi.spyOn(env.documentClient, 'send');
    const all = await repo.listAll(userId);
    const queries = send.mock.calls.length;
    send.mockRestore();
    expect(queries).toBeGreaterThan(1);
    expect(all).toHaveLength(300);
    expect(new Set(all.map((r) => r.ruleId))).toEqual(new Set(batch.map((r) => r.ruleId)));
  });

  it('keeps users apart: one user never sees another’s rule', async () => {
    const alice = newUser();
    const bob = newUser();
    const alicesRule = rule();
    await repo.create(alice, alicesRule);
    await repo.create(bob, rule());

    expect(await repo.get(bob, alicesRule.ruleId)).toBeUndefined();
    expect((await repo.list(bob, { limit: 100 })).items.map((r) => r.ruleId)).not.toContain(alicesRule.ruleId);
    expect((await repo.listAll(bob)).map((r) => r.ruleId)).not.toContain(alicesRule.ruleId);
    expect(await repo.replace(bob, { ...alicesRule, target: '+14155550199' }, alicesRule.updatedAt)).toBe(false);
    expect(await repo.delete(bob, alicesRule.ruleId)).toBe(false);
    expect(await repo.get(alice, alicesRule.ruleId)).toEqual(alicesRule);
    expect(await repo.listAll(bob)).toHaveLength(1);
  });

  it('replaces a rule read at the current version, and refuses a stale one', async () => {
    const userId = newUser();
    const original = rule({ updatedAt: '2026-01-01T00:00:00.000Z', createdAt: '2026-01-01T00:00:00.000Z' });
    await repo.create(userId, original);

    const first = { ...original, target: '+14155550111', updatedAt: '2026-01-01T00:00:01.000Z' };
    expect(await repo.replace(userId, first, original.updatedAt)).toBe(true);

    const stale = { ...original, target: '+14155550222', updatedAt: '2026-01-01T00:00:02.000Z' };
    expect(await repo.replace(userId, stale, original.updatedAt)).toBe(false);

    expect(await repo.get(userId, original.ruleId)).toEqual(first);
  });

  it('refuses to replace a rule that does not exist, and does not create it', async () => {
    const userId = newUser();
    const r = rule();
    expect(await repo.replace(userId, r, r.updatedAt)).toBe(false);
    expect(await repo.get(userId, r.ruleId)).toBeUndefined();
  });

  it('deletes a rule once: true, then false', async () => {
    const userId = newUser();
    const r = rule();
    await repo.create(userId, r);
    expect(await repo.delete(userId, r.ruleId)).toBe(true);
    expect(await repo.delete(userId, r.ruleId)).toBe(false);
    expect(await repo.get(userId, r.ruleId)).toBeUndefined();
    expect(await repo.listAll(userId)).toEqual([]);
  });
});

describe('DynamoRuleRepository: the per-user cap', () => {
  it('keeps the cap exactly when creates race for the last places', async () => {
    const userId = newUser();
    await createRules(userId, 8);
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => repo.create(userId, rule(), 10)));
    expect(outcomes.filter(Boolean)).toHaveLength(2);
    expect(await repo.count(userId)).toBe(10);
  });

  it('gives a place back when a rule is deleted, and when a create fails', async () => {
    const userId = newUser();
    const [first] = await createRules(userId, 3);
    expect(await repo.create(userId, rule(), 3)).toBe(false);
    await expect(repo.create(userId, first!, 4)).rejects.toThrow();
    expect(await repo.create(userId, rule(), 4)).toBe(true);
    expect(await repo.delete(userId, first!.ruleId)).toBe(true);
    expect(await repo.create(userId, rule(), 4)).toBe(true);
    expect(await repo.count(userId)).toBe(4);
    expect((await repo.list(userId, { limit: 10 })).items).toHaveLength(4);
  });
});
