import { DynamoRuleRepository } from '../shared/adapters/dynamo-rule-repository-adapter.ts';
import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import { presentRule } from '../shared/domain/rule-queries.ts';
import { updateRule } from '../shared/domain/rules.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { ruleIdParams } from '../shared/schemas/path-params.schema.ts';
import { patchRuleSchema } from '../shared/schemas/rule.schema.ts';

const rules = new DynamoRuleRepository();
const templates = new DynamoTemplateRepository();

export const handler = userRoute({ params: ruleIdParams, body: patchRuleSchema }, async ({ userId, params, body }) =>
  json(200, presentRule(await updateRule(rules, userId, params.ruleId, body, new Date(), templates))),
);
