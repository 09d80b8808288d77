import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/*
 * One client per service for the life of the process, made at cold start. Endpoints come from
 * the SDK's own AWS_ENDPOINT_URL_<SERVICE> variables, which the local runtime sets; the
 * embedded S3 wants path-style addressing, which the SDK reads from no variable, hence ours.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

export const s3Client = new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' });

export const sqsClient = new SQSClient({});
