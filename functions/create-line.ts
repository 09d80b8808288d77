import { DynamoLineRepository } from '../shared/adapters/dynamo-line-repository-adapter.ts';
import { TwilioPhoneNumberRegistry } from '../shared/adapters/twilio-phone-number-registry-adapter.ts';
import { SqsVoiceTaskQueue } from '../shared/adapters/sqs-voice-task-queue-adapter.ts';
import { createLine, presentLine } from '../shared/domain/lines.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { createLineSchema } from '../shared/schemas/line.schema.ts';
import { numberWebhooks } from '../shared/voice-webhooks.ts';

const deps = { lines: new DynamoLineRepository(), numbers: new TwilioPhoneNumberRegistry(), webhooks: numberWebhooks(), tasks: new SqsVoiceTaskQueue() };

export const handler = userRoute({ body: createLineSchema }, async ({ userId, body }) => json(201, presentLine(await createLine(deps, userId, body))));
