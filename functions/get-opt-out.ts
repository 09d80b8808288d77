import * as z from 'zod/mini';
import { DynamoOptOutRepository } from '../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { optOutStatus, phoneParam } from '../shared/domain/opt-outs.ts';
import { json, userRoute } from '../shared/http.ts';

const optOuts = new DynamoOptOutRepository();

export const handler = userRoute({ params: z.object({ phone: z.string().check(z.minLength(1), z.maxLength(32)) }) }, async ({ params }) =>
  json(200, await optOutStatus(optOuts, phoneParam(params.phone))),
);
