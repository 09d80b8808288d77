import { DynamoLineRepository } from '../shared/adapters/dynamo-line-repository-adapter.ts';
import { presentLine, updateLine } from '../shared/domain/lines.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { updateLineSchema } from '../shared/schemas/line.schema.ts';
import { lineIdParams } from '../shared/schemas/path-params.schema.ts';

const lines = new DynamoLineRepository();

export const handler = userRoute({ body: updateLineSchema, params: lineIdParams }, async ({ userId, body, params }) =>
  json(200, presentLine(await updateLine(lines, userId, params.lineId, body))),
);
