import { DynamoRuleRepository } from '../shared/adapters/dynamo-rule-repository-adapter.ts';
import { deleteRule } from '../shared/domain/rule-queries.ts';
import { noContent } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { ruleIdParams } from '../shared/schemas/path-params.schema.ts';

const rules = new DynamoRuleRepository();

export const handler = userRoute({ params: ruleIdParams }, async ({ userId, params }) => {
  await deleteRule(rules, userId, params.ruleId);
  return noContent();
});
