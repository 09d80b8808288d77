import { DynamoOptOutRepository } from '../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { optOutStatus, phoneParam } from '../shared/domain/opt-outs.ts';
import { e164Form } from '../shared/domain/phone-form.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { phoneParams } from '../shared/schemas/path-params.schema.ts';

const optOuts = new DynamoOptOutRepository();

export const handler = userRoute({ params: phoneParams }, async ({ params }) => json(200, await optOutStatus(optOuts, phoneParam(params.phone, e164Form))));
