import * as z from 'zod/mini';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoOptOutRepository } from '../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { optOutByApi, phoneParam } from '../shared/domain/opt-outs.ts';
import { json, userRoute } from '../shared/http.ts';

const deps = { optOuts: new DynamoOptOutRepository(), notifications: new DynamoNotificationRepository() };

export const handler = userRoute(
  {
    params: z.object({ phone: z.string().check(z.minLength(1), z.maxLength(32)) }),
    body: z.strictObject({ optedOut: z.boolean({ error: 'optedOut must be true or false.' }) }),
  },
  async ({ params, body }) => json(200, await optOutByApi(deps, phoneParam(params.phone), body.optedOut)),
);
