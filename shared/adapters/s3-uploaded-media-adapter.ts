import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { configParts, readConfig } from '../config.ts';
import type { UploadedMediaStore } from '../ports.ts';
import { s3Client } from './s3-client.ts';

/** The images clients posted to the upload bucket with a presigned form, read once and then deleted. */
export class S3UploadedMedia implements UploadedMediaStore {
  constructor(
    private readonly bucket: string = readConfig(configParts.bucket).UPLOAD_BUCKET,
    private readonly client: S3Client = s3Client,
  ) {}

  async read(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
