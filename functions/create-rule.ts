import { DynamoRuleRepository } from '../shared/adapters/dynamo-rule-repository-adapter.ts';
import { createRule } from '../shared/domain/rules.ts';
import { presentRule } from '../shared/domain/rule-queries.ts';
import { json, userRoute } from '../shared/http.ts';
import { createRuleSchema } from '../shared/schemas/rule.schema.ts';

const rules = new DynamoRuleRepository();

export const handler = userRoute({ body: createRuleSchema }, async ({ userId, body }) =>
  json(201, presentRule(await createRule(rules, userId, body))),
);
