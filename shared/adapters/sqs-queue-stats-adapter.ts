import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { queues } from '../topology.ts';
import type { QueueDepth, QueueStatsSource } from '../ports.ts';
import { sqsClient } from './sqs-client.ts';

/** Every queue of the topology and its dead-letter queue, by name, with the URL its variable holds. */
function queueUrls(env: NodeJS.ProcessEnv): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const spec of Object.values(queues)) {
    const [url, dlqUrl] = [env[spec.envVar], env[spec.dlqEnvVar]];
    if (url) urls[spec.name] = url;
    if (dlqUrl) urls[`${spec.name}-dlq`] = dlqUrl;
  }
  return urls;
}

/** Queue depths from SQS's approximate attributes (the embedded fauxqs answers them too). */
export class SqsQueueStats implements QueueStatsSource {
  constructor(
    private readonly urls: Record<string, string> = queueUrls(process.env),
    private readonly client: SQSClient = sqsClient,
  ) {}

  async depths(): Promise<Record<string, QueueDepth>> {
    const entries = await Promise.all(
      Object.entries(this.urls).map(async ([name, url]) => {
        const { Attributes: a = {} } = await this.client.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        );
        const depth: QueueDepth = {
          visible: Number(a.ApproximateNumberOfMessages ?? 0),
          inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
          delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
        };
        return [name, depth] as const;
      }),
    );
    return Object.fromEntries(entries);
  }
}
