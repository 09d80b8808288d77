import { DynamoMessageRepository } from '../shared/adapters/dynamo-message-repository-adapter.ts';
import { S3UploadSigner } from '../shared/adapters/s3-upload-signer-adapter.ts';
import { requestMediaUpload } from '../shared/domain/message-media.ts';
import { userOwner } from '../shared/domain/messages.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { messageIdParams } from '../shared/schemas/path-params.schema.ts';

const deps = { messages: new DynamoMessageRepository(), uploads: new S3UploadSigner() };

export const handler = userRoute({ params: messageIdParams }, async ({ userId, params }) =>
  json(201, await requestMediaUpload(deps, userOwner(userId), params.messageId)),
);
