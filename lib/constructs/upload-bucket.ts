import { type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions, type NagPackSuppression } from 'cdk-nag';
import { Construct } from 'constructs';
import { bucket as bucketSpec, commonEnv, type Access, type QueueKey } from '../../shared/topology.ts';
import type { FunctionSpec } from '../../shared/function-specs.ts';
import type { AppFunction } from './app-function.ts';

export interface UploadBucketProps {
  /** Where the bucket's server access logs go. */
  readonly accessLogsBucket: s3.IBucket;
  /** The one origin whose browsers post files with the presigned form (the console's). */
  readonly allowedOrigin: string;
  /** The queues told of the objects created under the announced prefixes (`bucket.events`). */
  readonly eventQueues: Readonly<Record<QueueKey, sqs.IQueue>>;
}

/** The parts of the bucket a function may be granted, by the topology field that asks for them. */
const areas = [
  // Objects the application owns; created by presigned POST, announced to the upload queue.
  { field: 'bucket', prefix: bucketSpec.prefix, what: 'every upload' },
  // Outside the upload prefix, so they never reach the upload queue.
  { field: 'media', prefix: bucketSpec.mediaPrefix, what: 'the copies of inbound MMS images' },
  { field: 'messageMedia', prefix: bucketSpec.messageMediaPrefix, what: "the message store's images" },
  { field: 'mediaUploads', prefix: bucketSpec.mediaUploadPrefix, what: 'images posted with a presigned form, waiting to be attached' },
] as const satisfies ReadonlyArray<{ field: keyof FunctionSpec; prefix: string; what: string }>;

/**
 * The private, encrypted, TLS-only bucket that holds the uploaded files (the product: never
 * expired), with server access logs, CORS for the console's form posts, and an event on its queue
 * for each object created under an announced prefix. Functions are granted one prefix at a time.
 */
export class UploadBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: UploadBucketProps) {
    super(scope, id);

    // 'Default' is left out of logical ids: the bucket keeps the id it had when the stack declared it.
    this.bucket = new s3.Bucket(this, 'Default', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'upload-bucket/',
      // Browsers POST the file straight to S3 with the presigned form from POST /uploads.
      cors: [
        {
          allowedMethods: [s3.HttpMethods.POST, s3.HttpMethods.GET],
          allowedOrigins: [props.allowedOrigin],
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      // Files are never expired here: they are the product. An upload that was announced but never
      // arrived leaves only a pending record, which the files table's TTL removes.
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // A posted image is deleted once attached or refused; one whose event failed every retry
        // (its record is on the dead-letter queue) goes after a week, time enough to redrive it.
        { id: 'expire-unhandled-media-uploads', prefix: bucketSpec.mediaUploadPrefix, expiration: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const event of bucketSpec.events) {
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(props.eventQueues[event.queue]), { prefix: event.prefix });
    }

    // aws-cdk-lib creates this deploy-time handler for Custom::S3BucketNotifications once per
    // stack, with its own role; the construct id carries a fixed hash, so it is found rather than spelled out.
    for (const child of Stack.of(this).node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
      NagSuppressions.addResourceSuppressions(
        child,
        [
          {
            id: 'AwsSolutions-IAM4',
            appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
            reason:
              "The role of aws-cdk-lib's S3 bucket-notifications handler, which runs only during deployment to configure the upload bucket's event notifications; its only other permission is s3:PutBucketNotification on that bucket.",
          },
        ],
        true,
      );
    }
  }

  /**
   * Grants the function the parts of the bucket its spec declares, each limited to its prefix and
   * setting the bucket's variable, and returns why each wildcard those grants produce is acceptable.
   */
  grantAreas(fn: AppFunction, spec: FunctionSpec): NagPackSuppression[] {
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    return areas.flatMap(({ field, prefix, what }) => {
      const access: Access | undefined = spec[field];
      if (!access) return [];
      fn.useBucket(this.bucket, access, `${prefix}*`, commonEnv.bucket);
      const reasons: NagPackSuppression[] = [
        {
          id: 'AwsSolutions-IAM5',
          appliesTo: [`Resource::<${bucketId}.Arn>/${prefix}*`],
          reason: `Objects under ${prefix} in the upload bucket: ${what}, and nothing else in the bucket.`,
        },
      ];
      if (access !== 'write') {
        reasons.push({
          id: 'AwsSolutions-IAM5',
          appliesTo: ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*'],
          reason: `Read-only actions from grantRead, limited to the upload bucket and its ${prefix} objects; List lets a missing key read as 404 rather than 403.`,
        });
      }
      if (access !== 'read') {
        reasons.push({
          id: 'AwsSolutions-IAM5',
          appliesTo: ['Action::s3:Abort*'],
          reason: `s3:AbortMultipartUpload from grantPut, limited to objects under ${prefix} in the upload bucket.`,
        });
      }
      if (field === 'mediaUploads' && spec.deletesMediaUploads) {
        fn.deleteFromBucket(this.bucket, `${prefix}*`);
        reasons.push({
          id: 'AwsSolutions-IAM5',
          appliesTo: ['Action::s3:DeleteObject*'],
          reason: `s3:DeleteObject from grantDelete, limited to objects under ${prefix}: the posted images it has handled.`,
        });
      }
      return reasons;
    });
  }
}
