import type { CreateUploadRequest } from '../schemas/upload.schema.ts';
import type { FileRepository, UploadSigner } from '../ports.ts';
import { objectKeyFor } from './files.ts';
import { newId } from './ids.ts';

export const UPLOAD_URL_TTL_SECONDS = 5 * 60;
/** How long an upload intent waits for its object before the table's TTL removes it. */
const INTENT_TTL_SECONDS = 24 * 60 * 60;

/**
 * Records what the user means to upload and signs a POST for exactly that: the server's own
 * key, the declared content type, at most the declared size. The stored object's facts win later.
 */
export async function requestUpload(
  deps: { files: FileRepository; uploads: UploadSigner },
  userId: string,
  request: CreateUploadRequest,
  now: Date = new Date(),
) {
  const fileId = newId(now.getTime());
  const objectKey = objectKeyFor(userId, fileId);
  const presigned = await deps.uploads.presignUpload({
    key: objectKey,
    contentType: request.contentType,
    maxBytes: request.size,
    expiresInSeconds: UPLOAD_URL_TTL_SECONDS,
  });
  await deps.files.putPendingUpload({
    userId,
    fileId,
    fileName: request.fileName,
    contentType: request.contentType,
    declaredSize: request.size,
    tags: request.tags,
    objectKey,
    expiresAt: Math.floor(now.getTime() / 1000) + INTENT_TTL_SECONDS,
  });
  return { fileId, url: presigned.url, fields: presigned.fields, expiresAt: presigned.expiresAt };
}
