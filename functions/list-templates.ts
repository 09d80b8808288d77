import * as z from 'zod/mini';
import { DynamoTemplateRepository } from '../shared/adapters/dynamo-template-repository-adapter.ts';
import { presentTemplate } from '../shared/domain/templates.ts';
import { pagedList, pageQuery, userRoute } from '../shared/http.ts';

const templates = new DynamoTemplateRepository();

export const handler = userRoute({ query: z.strictObject(pageQuery) }, async ({ userId, query }) =>
  pagedList(userId, 'templates', query, (page) => templates.list(userId, page), presentTemplate),
);
