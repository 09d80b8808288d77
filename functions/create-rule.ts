import { DynamoRuleRepository } from '../shared/adapters/dynamo-rule-repository-adapter.ts';
import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import * as z from 'zod/mini';
import { readConfig } from '../shared/config.ts';
import { createRule, DEFAULT_MAX_RULES_PER_USER } from '../shared/domain/rules.ts';
import { presentRule } from '../shared/domain/rule-queries.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { createRuleSchema } from '../shared/schemas/rule.schema.ts';

const rules = new DynamoRuleRepository();
const templates = new DynamoTemplateRepository();
const { MAX_RULES_PER_USER } = readConfig(z.object({ MAX_RULES_PER_USER: z._default(z.coerce.number().check(z.gt(0)), DEFAULT_MAX_RULES_PER_USER) }));

export const handler = userRoute({ body: createRuleSchema }, async ({ userId, body }) =>
  json(201, presentRule(await createRule(rules, userId, body, { maxRules: MAX_RULES_PER_USER, templates }))),
);
