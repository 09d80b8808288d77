import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { BusEventSpec } from '../../shared/topology.ts';

export interface BusEventPipeProps {
  readonly spec: BusEventSpec;
}

/**
 * One kind of event on its way to the account's default event bus: publishers send it to an
 * encrypted, TLS-only queue, and an EventBridge Pipe puts each message on the bus with the kind's
 * source and detail-type, the message's JSON as the detail. A failed put leaves the message in the
 * queue, where the Pipe takes it again, for as long as the queue keeps it (14 days).
 */
export class BusEventPipe extends Construct {
  readonly queue: sqs.Queue;
  readonly role: iam.Role;
  readonly pipe: pipes.CfnPipe;
  /** The bus the events go to: the account's default one, where subscribers' rules match them. */
  readonly busArn: string;

  constructor(scope: Construct, id: string, props: BusEventPipeProps) {
    super(scope, id);
    const { spec } = props;
    const stack = Stack.of(this);
    this.busArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(this.queue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'Only the EventBridge Pipe reads this queue; a message it could not put on the bus stays here and is taken again, for the 14 days the queue keeps it. A dead-letter queue would stop those retries and cost three more resources in a stack at the CloudFormation limit.',
      },
    ]);
    // The pipe's own role, assumable by EventBridge Pipes of this account only: read its queue, put on the bus.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `EventBridge Pipe: the ${spec.queueName} queue to the default event bus`,
      // Inline, so the permissions exist with the role, before the pipe starts polling.
      inlinePolicies: {
        forward: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
              resources: [this.queue.queueArn],
            }),
            new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.busArn] }),
          ],
        }),
      },
    });
    this.pipe = new pipes.CfnPipe(this, 'Pipe', {
      description: `${spec.detailType} events from the ${spec.queueName} queue to the default event bus`,
      roleArn: this.role.roleArn,
      source: this.queue.queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize: 10 } },
      target: this.busArn,
      targetParameters: {
        eventBridgeEventBusParameters: { source: spec.source, detailType: spec.detailType },
        // The message body is the event's JSON, which the pipe parses: it becomes the detail as it is.
        inputTemplate: '<$.body>',
      },
    });
  }
}
