import { createInterface } from 'node:readline/promises';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseCommandLine } from '../lib/ops/command-line.ts';
import { inspectLocalDeadLetters, listDeadLetters, purgeDeadLetters, redriveDeadLetters, type QueuePair } from '../lib/ops/dlq.ts';
import { queues, type QueueKey } from '../shared/topology.ts';

const usage = `usage: npm run dlq -- <list|redrive|purge> --queue <${Object.keys(queues).join('|')}> [options]
  --local <url>   the local runtime (default http://localhost:\${PORT:-3000}); the default target
  --stack <name>  a deployed stack instead (its outputs name the queues; AWS credentials from the environment)
  --max <n>       list: at most n messages (default 50)
  --rate <n>      redrive: messages per second
  --yes           purge: skip the confirmation
  --help          this text`;

const { values, positionals } = parseCommandLine(usage, {
  queue: { type: 'string' },
  local: { type: 'string' },
  stack: { type: 'string' },
  max: { type: 'string' },
  rate: { type: 'string' },
  yes: { type: 'boolean', default: false },
});
const command = positionals[0];
const key = values.queue as QueueKey | undefined;
if (!command || !['list', 'redrive', 'purge'].includes(command) || !key || !(key in queues)) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

async function target(): Promise<{ sqs: SQSClient; pair: QueuePair; engine: 'aws' | 'local'; endpoint?: string }> {
  if (values.stack) {
    const { Stacks } = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: values.stack }));
    const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    const queueUrl = outputs[`${pascal(key!)}QueueUrl`];
    const dlqUrl = outputs[`${pascal(key!)}DeadLetterQueueUrl`];
    if (!queueUrl || !dlqUrl) throw new Error(`Stack ${values.stack} has no outputs for the ${key} queue.`);
    return { sqs: new SQSClient({}), pair: { name: key!, queueUrl, dlqUrl }, engine: 'aws' };
  }
  const base = values.local ?? `http://localhost:${process.env.PORT ?? 3000}`;
  const response = await fetch(`${base}/local/queues`).catch(() => undefined);
  if (!response?.ok) throw new Error(`No local runtime answers at ${base}; start it with npm start, or pass --stack.`);
  const local = (await response.json()) as { endpoint: string; region: string; queues: Record<string, { queueUrl: string; dlqUrl: string }> };
  const pair = local.queues[key!]!;
  return {
    // Queue URLs name a host only the runtime's own process resolves; send to its endpoint instead.
    sqs: new SQSClient({
      endpoint: local.endpoint,
      region: local.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      useQueueUrlAsEndpoint: false,
    }),
    pair: { name: key!, ...pair },
    engine: 'local',
    endpoint: local.endpoint,
  };
}

try {
  const { sqs, pair, engine, endpoint } = await target();
  if (command === 'list') {
    const max = Number(values.max ?? 50);
    const letters = endpoint ? await inspectLocalDeadLetters(endpoint, pair, max) : await listDeadLetters(sqs, pair, max);
    process.stdout.write(`${JSON.stringify(letters, null, 2)}\n${letters.length} message(s) on the ${key} DLQ.\n`);
  } else if (command === 'redrive') {
    const result = await redriveDeadLetters(sqs, pair, { engine, ratePerSecond: values.rate ? Number(values.rate) : undefined });
    process.stdout.write(
      result.moved === 'started' ? `Move task started (${result.taskHandle}).\n` : `Moved ${result.moved} message(s) back to the ${key} queue.\n`,
    );
  } else {
    if (!values.yes) {
      if (!process.stdin.isTTY) {
        process.stdout.write('Nothing deleted: purging needs --yes when not run in a terminal.\n');
        process.exit(1);
      }
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`Delete every message on the ${key} DLQ (${engine})? Type "purge" to confirm: `);
      rl.close();
      if (answer.trim() !== 'purge') {
        process.stdout.write('Nothing deleted.\n');
        process.exit(1);
      }
    }
    await purgeDeadLetters(sqs, pair);
    process.stdout.write(`Purged the ${key} DLQ.\n`);
  }
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
