import { DynamoLineRepository } from '../shared/adapters/dynamo-line-repository-adapter.ts';
import { deleteLine } from '../shared/domain/lines.ts';
import { noContent } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { lineIdParams } from '../shared/schemas/path-params.schema.ts';

const lines = new DynamoLineRepository();

export const handler = userRoute({ params: lineIdParams }, async ({ userId, params }) => {
  await deleteLine(lines, userId, params.lineId);
  return noContent();
});
