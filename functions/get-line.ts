import { DynamoLineRepository } from '../shared/adapters/dynamo-line-repository-adapter.ts';
import { getLine, presentLine } from '../shared/domain/lines.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { lineIdParams } from '../shared/schemas/path-params.schema.ts';

const lines = new DynamoLineRepository();

export const handler = userRoute({ params: lineIdParams }, async ({ userId, params }) => json(200, presentLine(await getLine(lines, userId, params.lineId))));
