import { DynamoConversationRepository } from '../shared/adapters/dynamo-conversation-repository-adapter.ts';
import { setConversationStatus } from '../shared/domain/conversations.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { conversationIdParams, conversationUpdateSchema } from '../shared/schemas/voice.schema.ts';

const conversations = new DynamoConversationRepository();

export const handler = userRoute({ params: conversationIdParams, body: conversationUpdateSchema }, async ({ userId, params, body }) =>
  json(200, await setConversationStatus(conversations, userId, params.conversationId, body.status)),
);
