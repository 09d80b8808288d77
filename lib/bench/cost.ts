import { mapLimit } from '../../shared/domain/fan-out.ts';
import { ApiClient, eventually } from '../local/api-client.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import { functions, routes, type FunctionName } from '../topology.ts';
import { Meter } from './meter.ts';
import type { BenchResult, Figure } from './report.ts';
import { round, summarize } from './stats.ts';

/**
 * AWS list prices, us-east-1, on demand, as published on the services' pricing pages when this
 * was written (2026-11); free tiers left out. Re-check them before quoting a figure.
 */
export const prices = {
  asOf: '2026-11',
  dynamoWritePerMillionUnits: 0.625,
  dynamoReadPerMillionUnits: 0.125,
  sqsPerMillionRequests: 0.4,
  s3WritePerThousand: 0.005,
  s3ReadPerThousand: 0.0004,
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  httpApiPerMillionRequests: 1.0,
  secretsPerTenThousandCalls: 0.05,
} as const;

const apiFunctions = new Set<FunctionName>(routes.map((r) => r.function));

/**
 * What one delivered notification costs on AWS: `uploads` uploads, each matching one rule, go
 * through the local runtime with every SDK client metered; the counts become dollars per million
 * notifications at the list prices above. Twilio's own fees are not included.
 */
export async function costBenchmark(opts: { uploads: number }): Promise<BenchResult> {
  const started = performance.now();
  const meter = new Meter();
  const runtime = await startLocalRuntime({ port: 0, logLevel: 'ERROR', meter });
  try {
    const api = new ApiClient(runtime.url);
    const user = api.as(await api.tokenFor('cost'));
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550199' });
    meter.reset();

    await mapLimit(
      Array.from({ length: opts.uploads }, (_, i) => i),
      10,
      (i) => user.upload({ fileName: `cost-${i}.txt`, contentType: 'text/plain', content: `${i}` }),
    );
    await eventually(
      async () => (runtime.simulator.messages().filter((m) => m.status === 'delivered').length >= opts.uploads ? true : undefined),
      60_000 + opts.uploads * 200,
      'every notification to be delivered',
    );
    await runtime.simulator.idle();
    // Let the last callbacks' writes and the queues' deletes land before reading the counters.
    await new Promise((r) => setTimeout(r, 1500));

    const u = meter.usage;
    const n = opts.uploads;
    // The browser's multipart POST to S3 is a PUT-class request the SDK never sees.
    const s3Writes = u.s3Writes + n;
    let lambdaRequests = 0;
    let gbSeconds = 0;
    let apiRequests = 0;
    for (const [name, { count, durationsMs }] of Object.entries(u.invocations)) {
      lambdaRequests += count;
      const memoryGb = functions[name as FunctionName].memoryMb / 1024;
      gbSeconds += durationsMs.reduce((sum, ms) => sum + Math.ceil(ms), 0) / 1000 * memoryGb;
      if (apiFunctions.has(name as FunctionName)) apiRequests += count;
    }
    const perMillion = (total: number) => (total / n) * 1_000_000;
    const dollars = {
      DynamoDB: (u.dynamoWriteUnits * prices.dynamoWritePerMillionUnits + u.dynamoReadUnits * prices.dynamoReadPerMillionUnits) / 1_000_000,
      SQS: (u.sqsRequests * prices.sqsPerMillionRequests) / 1_000_000,
      S3: (s3Writes * prices.s3WritePerThousand + u.s3Reads * prices.s3ReadPerThousand) / 1000,
      Lambda: (lambdaRequests * prices.lambdaPerMillionRequests) / 1_000_000 + gbSeconds * prices.lambdaArmPerGbSecond,
      'API Gateway': (apiRequests * prices.httpApiPerMillionRequests) / 1_000_000,
    };
    const total = Object.values(dollars).reduce((a, b) => a + b, 0);

    const figures: Figure[] = [
      { name: 'per notification: DynamoDB write / read units', value: `${round(u.dynamoWriteUnits / n, 1)} / ${round(u.dynamoReadUnits / n, 1)}`, unit: 'units' },
      { name: 'per notification: SQS requests', value: round(u.sqsRequests / n, 2), unit: 'requests' },
      { name: 'per notification: S3 writes / reads', value: `${round(s3Writes / n, 2)} / ${round(u.s3Reads / n, 2)}`, unit: 'requests' },
      { name: 'per notification: Lambda invocations', value: round(lambdaRequests / n, 2), unit: 'invocations', spread: `${round(gbSeconds / n, 4)} GB-s` },
      { name: 'per notification: API Gateway requests', value: round(apiRequests / n, 2), unit: 'requests' },
      ...Object.entries(dollars).map(([service, cost]) => ({ name: `${service} per million notifications`, value: round(perMillion(cost), 2), unit: 'USD' })),
      { name: 'total per million notifications', value: round(perMillion(total), 2), unit: 'USD', goal: '≤ 3', met: perMillion(total) <= 3 },
    ];
    // The warm path: every function's invocation latency with the engines local.
    for (const [name, { durationsMs }] of Object.entries(u.invocations).sort()) {
      const s = summarize(durationsMs);
      figures.push({ name: `warm ${name}`, value: round(s.median, 1), unit: 'ms p50', spread: `p95 ${round(s.p95, 1)}, p99 ${round(s.p99, 1)}, n ${s.n}` });
    }
    return {
      benchmark: 'cost',
      description: `${n} uploads, each matching one SMS rule, metered end to end (DynamoDB consumed capacity, SQS/S3 requests including the event sources', Lambda invocations and billed duration at each function's memory, API Gateway requests) and priced at ${prices.asOf} us-east-1 list prices: DynamoDB $${prices.dynamoWritePerMillionUnits}/M WRU and $${prices.dynamoReadPerMillionUnits}/M RRU, SQS $${prices.sqsPerMillionRequests}/M, S3 $${prices.s3WritePerThousand}/1k PUT and $${prices.s3ReadPerThousand}/1k GET, Lambda arm64 $${prices.lambdaPerMillionRequests}/M + $${prices.lambdaArmPerGbSecond}/GB-s, HTTP API $${prices.httpApiPerMillionRequests}/M. Durations are this machine's, with the engines in-process; Twilio's fees, storage and logs are not included.`,
      figures,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await runtime.stop();
  }
}
