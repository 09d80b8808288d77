import { DynamoRuleRepository } from '../shared/adapters/dynamo-rule-repository-adapter.ts';
import { presentRule } from '../shared/domain/rule-queries.ts';
import { pagedList, pageQuery, userRoute } from '../shared/http.ts';
import * as z from 'zod/mini';

const rules = new DynamoRuleRepository();

export const handler = userRoute({ query: z.strictObject(pageQuery) }, async ({ userId, query }) =>
  pagedList(userId, 'rules', query, (page) => rules.list(userId, page), presentRule),
);
