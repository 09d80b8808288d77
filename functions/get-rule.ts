import { DynamoRuleRepository } from '../shared/adapters/dynamo-rule-repository-adapter.ts';
import { getRule, presentRule } from '../shared/domain/rule-queries.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { ruleIdParams } from '../shared/schemas/path-params.schema.ts';

const rules = new DynamoRuleRepository();

export const handler = userRoute({ params: ruleIdParams }, async ({ userId, params }) => json(200, presentRule(await getRule(rules, userId, params.ruleId))));
