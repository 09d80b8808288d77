import { DynamoFileRepository } from '../shared/adapters/dynamo-file-repository-adapter.ts';
import { S3FileStore } from '../shared/adapters/s3-file-store-adapter.ts';
import { presentFile } from '../shared/domain/files.ts';
import { pagedList } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { fileSearchQuery } from '../shared/schemas/file-search.schema.ts';

const files = new DynamoFileRepository();
const store = new S3FileStore();

export const handler = userRoute({ query: fileSearchQuery }, async ({ userId, query }) => {
  const { name, tag, type, from, to } = query;
  return pagedList(
    userId,
    'files',
    query,
    (page) => files.search(userId, { name, tag, type, from, to }, page),
    (file) => presentFile(file, store),
  );
});
