import { DynamoFileRepository } from '../shared/adapters/dynamo-file-repository-adapter.ts';
import { S3UploadSigner } from '../shared/adapters/s3-upload-signer-adapter.ts';
import { requestUpload } from '../shared/domain/uploads.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { createUploadSchema } from '../shared/schemas/upload.schema.ts';

const deps = { files: new DynamoFileRepository(), uploads: new S3UploadSigner() };

export const handler = userRoute({ body: createUploadSchema }, async ({ userId, body }) => json(201, await requestUpload(deps, userId, body)));
