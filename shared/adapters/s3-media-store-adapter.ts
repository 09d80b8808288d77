import { HeadObjectCommand, NotFound, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { configParts, readConfig } from '../config.ts';
import type { MediaStore } from '../ports.ts';
import { s3Client } from './s3-client.ts';

/** Inbound media copies in the upload bucket, under keys the caller derives from their content. */
export class S3MediaStore implements MediaStore {
  constructor(
    private readonly bucket: string = readConfig(configParts.bucket).UPLOAD_BUCKET,
    private readonly client: S3Client = s3Client,
  ) {}

  async putIfAbsent(key: string, bytes: Uint8Array, contentType: string): Promise<boolean> {
    // Keys are content hashes, so an object already there holds these very bytes.
    if (await this.exists(key)) return false;
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType }));
    return true;
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (err instanceof NotFound || (err as { name?: string }).name === 'NotFound') return false;
      throw err;
    }
  }
}
