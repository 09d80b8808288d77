import { DynamoMessageRepository } from '../shared/adapters/dynamo-message-repository-adapter.ts';
import { S3FileStore } from '../shared/adapters/s3-file-store-adapter.ts';
import { S3MediaStore } from '../shared/adapters/s3-media-store-adapter.ts';
import { attachImage, presentMedia } from '../shared/domain/message-media.ts';
import { userOwner } from '../shared/domain/messages.ts';
import { json, uploadedBytes } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { messageIdParams } from '../shared/schemas/path-params.schema.ts';

const messages = new DynamoMessageRepository();
const deps = { messages, media: messages, store: new S3MediaStore() };
const links = new S3FileStore();

export const handler = userRoute({ params: messageIdParams }, async ({ userId, params, event }) => {
  const owner = userOwner(userId);
  const { media, deduplicated } = await attachImage(deps, owner, params.messageId, await uploadedBytes(event));
  const presented = await presentMedia(owner, media, links);
  return deduplicated ? json(200, { ...presented, deduplicated: true }) : json(201, presented);
});
