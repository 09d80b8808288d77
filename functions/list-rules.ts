import { DynamoRuleRepository } from '../shared/adapters/dynamo-rule-repository-adapter.ts';
import { presentRule } from '../shared/domain/rule-queries.ts';
import { pagedList, pageOnlyQuery } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';

const rules = new DynamoRuleRepository();

export const handler = userRoute({ query: pageOnlyQuery }, async ({ userId, query }) =>
  pagedList(userId, 'rules', query, (page) => rules.list(userId, page), presentRule),
);
