import { GetObjectCommand, HeadObjectCommand, NotFound, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { configParts, readConfig } from '../config.ts';
import type { FileStore, StoredObject } from '../ports.ts';
import { s3Client } from './s3-client.ts';

/** The upload bucket: presigned GETs out, and the stored object's own facts. */
export class S3FileStore implements FileStore {
  constructor(
    private readonly bucket: string = readConfig(configParts.bucket).UPLOAD_BUCKET,
    private readonly client: S3Client = s3Client,
  ) {}

  async presignDownload(key: string, fileName: string, expiresInSeconds: number, ifMatch?: string): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(fileName)}`,
        // Signed as a header: a request without it, or with another ETag, is refused by S3.
        ...(ifMatch !== undefined ? { IfMatch: `"${ifMatch}"` } : {}),
      }),
      { expiresIn: expiresInSeconds },
    );
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        sizeBytes: out.ContentLength ?? 0,
        contentType: out.ContentType ?? 'application/octet-stream',
        ...(out.ETag ? { eTag: out.ETag.replace(/"/g, '') } : {}),
      };
    } catch (err) {
      if (err instanceof NotFound || (err as { name?: string }).name === 'NotFound') return undefined;
      throw err;
    }
  }
}
