import { DynamoConversationRepository } from '../shared/adapters/dynamo-conversation-repository-adapter.ts';
import { presentConversation } from '../shared/domain/conversations.ts';
import { pagedList } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { conversationListQuery } from '../shared/schemas/voice.schema.ts';

const conversations = new DynamoConversationRepository();

export const handler = userRoute({ query: conversationListQuery }, async ({ userId, query }) =>
  pagedList(userId, 'conversations', query, (page) => conversations.list(userId, { lineId: query.lineId, status: query.status }, page), presentConversation),
);
