import { CopyObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, type S3Client } from '@aws-sdk/client-s3';
import { configParts, readConfig } from '../config.ts';
import type { ObjectCopier } from '../ports.ts';
import { s3Client } from './s3-client.ts';

/** Copies objects within the upload bucket, server-side. */
export class S3ObjectCopier implements ObjectCopier {
  constructor(
    private readonly bucket: string = readConfig(configParts.bucket).UPLOAD_BUCKET,
    private readonly client: S3Client = s3Client,
  ) {}

  async copyIfAbsent(from: string, to: string): Promise<void> {
    if (await this.exists(to)) return;
    try {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}` }),
      );
    } catch (err) {
      if (err instanceof NoSuchKey || err instanceof NotFound) return;
      throw err;
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (err instanceof NotFound || err instanceof NoSuchKey) return false;
      throw err;
    }
  }
}
