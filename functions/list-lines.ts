import * as z from 'zod/mini';
import { DynamoLineRepository } from '../shared/adapters/dynamo-line-repository-adapter.ts';
import { presentLine } from '../shared/domain/lines.ts';
import { pagedList, pageQuery } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';

const lines = new DynamoLineRepository();

export const handler = userRoute({ query: z.strictObject(pageQuery) }, async ({ userId, query }) =>
  pagedList(userId, 'lines', query, (page) => lines.list(userId, page), presentLine),
);
