import { DynamoCallRepository } from '../shared/adapters/dynamo-call-repository-adapter.ts';
import { presentCall } from '../shared/domain/calls.ts';
import { pagedList } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { callListQuery } from '../shared/schemas/voice.schema.ts';

const calls = new DynamoCallRepository();

export const handler = userRoute({ query: callListQuery }, async ({ userId, query }) =>
  pagedList(userId, 'calls', query, (page) => calls.list(userId, { lineId: query.lineId, status: query.status, from: query.from }, page), presentCall),
);
