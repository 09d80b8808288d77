import { DynamoMessageRepository } from '../shared/adapters/dynamo-message-repository-adapter.ts';
import { S3FileStore } from '../shared/adapters/s3-file-store-adapter.ts';
import { presentMessageWithMedia } from '../shared/domain/message-media.ts';
import { userOwner } from '../shared/domain/messages.ts';
import { pagedList } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { listMessagesQuery } from '../shared/schemas/message-query.schema.ts';

const messages = new DynamoMessageRepository();
const store = new S3FileStore();

export const handler = userRoute({ query: listMessagesQuery }, async ({ userId, query }) => {
  const owner = userOwner(userId);
  const { offset, ...paging } = query;
  const filter = { from: query.from, to: query.to, status: query.status };
  return pagedList(
    userId,
    'messages',
    paging,
    (page) => messages.list(owner, filter, { ...page, offset }),
    (m) => presentMessageWithMedia(m, store),
    { limit: query.limit, offset },
  );
});
