import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION, provision, startEngines, type Engines, type Provisioned } from '../../lib/local/engines.ts';
import { DynamoFileRepository } from '../../shared/adapters/dynamo-file-repository-adapter.ts';
import { DynamoNotificationRepository } from '../../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoRuleRepository } from '../../shared/adapters/dynamo-rule-repository-adapter.ts';
import { S3FileStore } from '../../shared/adapters/s3-file-store-adapter.ts';
import { S3UploadSigner } from '../../shared/adapters/s3-upload-signer-adapter.ts';
import { SqsNotificationQueue } from '../../shared/adapters/sqs-notification-queue-adapter.ts';

/** The embedded engines with the topology provisioned, and SDK clients and adapters pointed at them. */
export interface TestEngines {
  engines: Engines;
  resources: Provisioned;
  dynamo: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  s3: S3Client;
  sqs: SQSClient;
  adapters: {
    files: DynamoFileRepository;
    rules: DynamoRuleRepository;
    notifications: DynamoNotificationRepository;
    fileStore: S3FileStore;
    uploadSigner: S3UploadSigner;
    notificationQueue: SqsNotificationQueue;
  };
  stop(): Promise<void>;
}

const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };

/**
 * Starts the engines in memory and provisions the topology through `lib/local/engines.ts`,
 * exactly as the local runtime does; every adapter gets explicit names and clients, so no
 * test depends on process.env.
 */
export async function startTestEngines(): Promise<TestEngines> {
  const engines = await startEngines();
  const resources = await provision(engines);
  const dynamo = new DynamoDBClient({ ...clientConfig, endpoint: engines.dynamoEndpoint });
  const documentClient = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const s3 = new S3Client({ ...clientConfig, endpoint: engines.awsEndpoint, forcePathStyle: true });
  const sqs = new SQSClient({ ...clientConfig, endpoint: engines.sqsEndpoint });
  return {
    engines,
    resources,
    dynamo,
    documentClient,
    s3,
    sqs,
    adapters: {
      files: new DynamoFileRepository(resources.tableNames.files, documentClient),
      rules: new DynamoRuleRepository(resources.tableNames.rules, documentClient),
      notifications: new DynamoNotificationRepository(resources.tableNames.notifications, documentClient),
      fileStore: new S3FileStore(resources.bucket, s3),
      uploadSigner: new S3UploadSigner(resources.bucket, s3),
      notificationQueue: new SqsNotificationQueue(resources.queueUrls.notification, sqs),
    },
    async stop() {
      dynamo.destroy();
      s3.destroy();
      sqs.destroy();
      await engines.stop();
    },
  };
}
