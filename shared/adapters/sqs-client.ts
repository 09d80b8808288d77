import { SQSClient } from '@aws-sdk/client-sqs';

/** The process's SQS client, made at cold start; AWS_ENDPOINT_URL_SQS points it locally. */
export const sqsClient = new SQSClient({});
