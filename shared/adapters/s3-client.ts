import { S3Client } from '@aws-sdk/client-s3';

/**
 * The process's S3 client, made at cold start. The embedded S3 wants path-style addressing,
 * which the SDK reads from no environment variable, hence S3_FORCE_PATH_STYLE.
 */
export const s3Client = new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' });
