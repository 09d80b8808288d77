import type { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { configParts, readConfig } from '../config.ts';
import type { PresignedUpload, UploadSigner } from '../ports.ts';
import { s3Client } from './s3-client.ts';

/**
 * Presigned POSTs into the upload bucket. Apart from the file store, so that only the function
 * that signs uploads loads the POST signer.
 */
export class S3UploadSigner implements UploadSigner {
  constructor(
    private readonly bucket: string = readConfig(configParts.bucket).UPLOAD_BUCKET,
    private readonly client: S3Client = s3Client,
  ) {}

  async presignUpload(input: { key: string; contentType: string; maxBytes: number; expiresInSeconds: number }): Promise<PresignedUpload> {
    // The policy pins the key, the content type and the size: S3 refuses any other upload with it.
    const { url, fields } = await createPresignedPost(this.client, {
      Bucket: this.bucket,
      Key: input.key,
      Conditions: [
        ['content-length-range', 1, input.maxBytes],
        ['eq', '$Content-Type', input.contentType],
      ],
      Fields: { 'Content-Type': input.contentType },
      Expires: input.expiresInSeconds,
    });
    return { url, fields, expiresAt: new Date(Date.now() + input.expiresInSeconds * 1000).toISOString() };
  }
}
