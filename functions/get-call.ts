import { DynamoCallRepository } from '../shared/adapters/dynamo-call-repository-adapter.ts';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { getCall } from '../shared/domain/calls.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { callIdParams } from '../shared/schemas/voice.schema.ts';

const deps = { calls: new DynamoCallRepository(), notifications: new DynamoNotificationRepository() };

export const handler = userRoute({ params: callIdParams }, async ({ userId, params }) => json(200, await getCall(deps, userId, params.callId)));
