import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/engines.ts';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime.ts';
import { NotificationStack } from '../../lib/stack.ts';
import { queues, routes, type FunctionName, type QueueKey } from '../../shared/topology.ts';
import { functions } from '../../shared/function-specs.ts';

type Resource = { Type: string; Properties: Record<string, any> };

let runtime: LocalRuntime;
let resources: Record<string, Resource>;
let stack: NotificationStack;

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

/** The topology function a deployed Lambda runs, recognised by its description. */
function functionNamed(logicalId: string): FunctionName {
  const description = resources[logicalId]!.Properties.Description;
  const name = (Object.keys(functions) as FunctionName[]).find((n) => functions[n].description === description);
  if (!name) throw new Error(`No topology function for ${logicalId}`);
  return name;
}

beforeAll(async () => {
  stack = new NotificationStack(new App({ context: { skipBundling: true } }), 'Agreement');
  resources = Template.fromStack(stack).toJSON().Resources;
  runtime = await startLocalRuntime({ port: 0 });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the deployed stack and the local runtime', () => {
  it('route the same requests to the same functions', () => {
    const integrations = Object.fromEntries(ofType('AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, r]));
    const deployed = Object.fromEntries(
      ofType('AWS::ApiGatewayV2::Route')
        .filter(([, r]) => r.Properties.RouteKey !== 'OPTIONS /{proxy+}')
        .map(([, route]) => {
          const integrationId = String(route.Properties.Target['Fn::Join'][1][1].Ref);
          const lambdaArn = integrations[integrationId]!.Properties.IntegrationUri['Fn::GetAtt'][0] as string;
          return [route.Properties.RouteKey as string, functionNamed(lambdaArn)];
        }),
    );
    expect(Object.keys(deployed)).toHaveLength(routes.length);
    expect(deployed).toEqual(runtime.routes);
  });

  it('consume the same queues with the same functions and redrive them alike', async () => {
    const deployedConsumers = Object.fromEntries(
      ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => {
        const queueId = m.Properties.EventSourceArn['Fn::GetAtt'][0] as string;
        const queue = resources[queueId]!;
        return [queueId, { fn: functionNamed(m.Properties.FunctionName.Ref), queue }];
      }),
    );
    expect(
      Object.values(deployedConsumers)
        .map((c) => c.fn)
        .sort(),
    ).toEqual(Object.values(runtime.consumers).sort());

    const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.sqsEndpoint });
    for (const [key, url] of Object.entries(runtime.resources.queueUrls) as Array<[QueueKey, string]>) {
      const local = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
      const consumer = runtime.consumers[queues[key].name]!;
      const deployed = Object.values(deployedConsumers).find((c) => c.fn === consumer)!.queue.Properties;
      expect(Number(local.Attributes!.VisibilityTimeout)).toBe(deployed.VisibilityTimeout);
      expect(JSON.parse(local.Attributes!.RedrivePolicy!).maxReceiveCount).toBe(deployed.RedrivePolicy.maxReceiveCount);
    }
    sqs.destroy();
  });

  it('run the same functions on the same schedules', async () => {
    const deployed = Object.fromEntries(
      ofType('AWS::Events::Rule').map(([, rule]) => {
        const targets = rule.Properties.Targets as Array<{ Arn: { 'Fn::GetAtt': [string, string] } }>;
        expect(targets).toHaveLength(1);
        return [functionNamed(targets[0]!.Arn['Fn::GetAtt'][0]), rule.Properties.ScheduleExpression as string];
      }),
    );
    expect(Object.keys(deployed).sort()).toEqual(Object.values(runtime.schedules).sort());
    for (const fn of Object.values(runtime.schedules)) expect(deployed[fn]).toMatch(/^rate\(\d+ minutes?\)$/);

    // The local timer hands the function the event an EventBridge rule would.
    for (const name of Object.keys(runtime.schedules) as Array<Parameters<LocalRuntime['runSchedule']>[0]>) {
      await expect(runtime.runSchedule(name)).resolves.toBeDefined();
    }
  });

  it('create tables with the same keys and indexes', async () => {
    const dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint });
    const deployed = ofType('AWS::DynamoDB::GlobalTable').length > 0 ? ofType('AWS::DynamoDB::GlobalTable') : ofType('AWS::DynamoDB::Table');
    expect(deployed).toHaveLength(Object.keys(runtime.resources.tableNames).length);
    const shape = (keySchema: Array<{ AttributeName: string; KeyType: string }>) => keySchema.map((k) => `${k.KeyType}:${k.AttributeName}`).join(',');
    const deployedShapes = deployed
      .map(([, t]) => ({
        keys: shape(t.Properties.KeySchema),
        indexes: (t.Properties.GlobalSecondaryIndexes ?? []).map((i: any) => `${i.IndexName}(${shape(i.KeySchema)})`).sort(),
      }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const localShapes = [];
    for (const name of Object.values(runtime.resources.tableNames)) {
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
      localShapes.push({
        keys: shape(Table!.KeySchema as any),
        indexes: (Table!.GlobalSecondaryIndexes ?? []).map((i) => `${i.IndexName}(${shape(i.KeySchema as any)})`).sort(),
      });
    }
    localShapes.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(localShapes).toEqual(deployedShapes);
    dynamo.destroy();
  });
});
