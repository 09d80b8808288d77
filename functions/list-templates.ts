import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import { presentTemplate } from '../shared/domain/templates.ts';
import { pagedList, pageOnlyQuery } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';

const templates = new DynamoTemplateRepository();

export const handler = userRoute({ query: pageOnlyQuery }, async ({ userId, query }) =>
  pagedList(userId, 'templates', query, (page) => templates.list(userId, page), presentTemplate),
);
