import { DynamoMessageRepository } from '../shared/adapters/dynamo-message-repository-adapter.ts';
import { S3FileStore } from '../shared/adapters/s3-file-store-adapter.ts';
import { presentMedia } from '../shared/domain/message-media.ts';
import { ownMessage, userOwner } from '../shared/domain/messages.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { messageIdParams } from '../shared/schemas/path-params.schema.ts';

const messages = new DynamoMessageRepository();
const store = new S3FileStore();

export const handler = userRoute({ params: messageIdParams }, async ({ userId, params }) => {
  const owner = userOwner(userId);
  const message = await ownMessage(messages, owner, params.messageId);
  return json(200, { items: await Promise.all(message.media.map((media) => presentMedia(owner, media, store))) });
});
