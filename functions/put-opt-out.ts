import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoOptOutRepository } from '../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { optOutByApi, phoneParam } from '../shared/domain/opt-outs.ts';
import { toE164 } from '../shared/domain/phone.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { phoneParams } from '../shared/schemas/path-params.schema.ts';
import { optOutRequestSchema } from '../shared/schemas/opt-out.schema.ts';

const deps = { optOuts: new DynamoOptOutRepository(), notifications: new DynamoNotificationRepository() };

export const handler = userRoute(
  {
    params: phoneParams,
    body: optOutRequestSchema,
  },
  async ({ params, body }) => json(200, await optOutByApi(deps, phoneParam(params.phone, toE164), body.optedOut)),
);
