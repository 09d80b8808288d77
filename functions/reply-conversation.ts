import { DynamoConversationRepository } from '../shared/adapters/dynamo-conversation-repository-adapter.ts';
import { DynamoLineRepository } from '../shared/adapters/dynamo-line-repository-adapter.ts';
import { replyToConversation } from '../shared/domain/conversations.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { conversationIdParams, conversationReplySchema } from '../shared/schemas/voice.schema.ts';
import { pipelineSend } from '../shared/voice-sends.ts';

const deps = { conversations: new DynamoConversationRepository(), lines: new DynamoLineRepository(), send: pipelineSend() };

export const handler = userRoute({ params: conversationIdParams, body: conversationReplySchema }, async ({ userId, params, body }) =>
  json(201, await replyToConversation(deps, userId, params.conversationId, body.body)),
);
