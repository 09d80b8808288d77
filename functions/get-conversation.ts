import { DynamoConversationRepository } from '../shared/adapters/dynamo-conversation-repository-adapter.ts';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { getConversation } from '../shared/domain/conversations.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { conversationIdParams } from '../shared/schemas/voice.schema.ts';

const deps = { conversations: new DynamoConversationRepository(), notifications: new DynamoNotificationRepository() };

export const handler = userRoute({ params: conversationIdParams }, async ({ userId, params }) =>
  json(200, await getConversation(deps, userId, params.conversationId)),
);
