import { mapLimit } from '../../shared/domain/map-limit.ts';
import { ApiClient, eventually, postForm } from '../local/api-client.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import { sampleImages } from '../local/sample-images.ts';
import { routes, type FunctionName } from '../../shared/topology.ts';
import { functions, type FunctionSpec } from '../../shared/function-specs.ts';
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

/** Functions reached through API Gateway, which bills each request; Twilio's webhooks have Function URLs, which do not. */
const isWebhook = (name: FunctionName) => (functions[name] as FunctionSpec).webhook === true;
const apiFunctions = new Set<FunctionName>(routes.filter((r) => !isWebhook(r.function)).map((r) => r.function));
const webhookFunctions = new Set<FunctionName>(routes.filter((r) => isWebhook(r.function)).map((r) => r.function));

/** Billable usage of part of the system. */
interface Part {
  dynamoRead: number;
  dynamoWrite: number;
  sqs: number;
  s3Write: number;
  s3Read: number;
  lambdaRequests: number;
  gbSeconds: number;
  apiRequests: number;
}

function sum(a: Part, b: Part): Part {
  return Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof Part] + b[k as keyof Part]])) as unknown as Part;
}

/** Dollars at the list prices above. */
function dollarsOf(p: Part) {
  const byService = {
    DynamoDB: (p.dynamoWrite * prices.dynamoWritePerMillionUnits + p.dynamoRead * prices.dynamoReadPerMillionUnits) / 1_000_000,
    SQS: (p.sqs * prices.sqsPerMillionRequests) / 1_000_000,
    S3: (p.s3Write * prices.s3WritePerThousand + p.s3Read * prices.s3ReadPerThousand) / 1000,
    Lambda: (p.lambdaRequests * prices.lambdaPerMillionRequests) / 1_000_000 + p.gbSeconds * prices.lambdaArmPerGbSecond,
    'API Gateway': (p.apiRequests * prices.httpApiPerMillionRequests) / 1_000_000,
  };
  return { byService, total: Object.values(byService).reduce((a, b) => a + b, 0) };
}

/**
 * What one delivered notification costs on AWS: `uploads` uploads, each matching one rule, go
 * through the local runtime with every SDK client metered; the counts become dollars per million
 * notifications at the list prices above. Twilio's own fees are not included.
 */
export async function costBenchmark(opts: { uploads: number; sequential: number }): Promise<BenchResult> {
  const started = performance.now();
  const meter = new Meter();
  // DynamoDB's engine runs in a child process: on AWS it is not the Lambda's CPU either.
  const runtime = await startLocalRuntime({ port: 0, logLevel: 'ERROR', meter, dynamoProcess: true });
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
    const { tableNames, queueUrls, dlqUrls } = runtime.resources;
    const queueName = (url: string) => url.split('/').pop()!;
    // What the upload of a file costs, however many notifications it causes: the browser's POST
    // to S3 (a PUT-class request the SDK never sees), the file's record and search index, the
    // rules read to match it, the upload queue, and the two functions that handle it.
    const fileTables = new Set([tableNames.files, tableNames.rules]);
    const fileQueues = new Set([queueName(queueUrls.upload), queueName(dlqUrls.upload)]);
    const fileFunctions = new Set<string>(['create-upload', 'rule-matcher']);
    const side = (file: boolean): Part => {
      const part: Part = {
        dynamoRead: 0,
        dynamoWrite: 0,
        sqs: 0,
        s3Write: file ? u.s3Writes + n : 0,
        s3Read: file ? u.s3Reads : 0,
        lambdaRequests: 0,
        gbSeconds: 0,
        apiRequests: 0,
      };
      for (const [table, units] of Object.entries(u.byTable)) {
        if (fileTables.has(table) !== file) continue;
        part.dynamoRead += units.read;
        part.dynamoWrite += units.write;
      }
      for (const [queue, requests] of Object.entries(u.byQueue)) if (fileQueues.has(queue) === file) part.sqs += requests;
      for (const [name, { count, durationsMs }] of Object.entries(u.invocations)) {
        if (fileFunctions.has(name) !== file) continue;
        part.lambdaRequests += count;
        part.gbSeconds += (durationsMs.reduce((sum, ms) => sum + Math.ceil(ms), 0) / 1000) * (functions[name as FunctionName].memoryMb / 1024);
        if (apiFunctions.has(name as FunctionName)) part.apiRequests += count;
      }
      return part;
    };
    const fileSide = side(true);
    const deliverySide = side(false);
    const both = sum(fileSide, deliverySide);
    const perMillion = (dollars: number) => (dollars / n) * 1_000_000;
    const usd = (value: number) => round(perMillion(value), 2);
    const total = dollarsOf(both).total;
    const delivery = dollarsOf(deliverySide).total;
    // What the same callbacks would cost through API Gateway routes instead of the Function URLs.
    const webhookRequests = [...webhookFunctions].reduce((total, name) => total + (u.invocations[name]?.count ?? 0), 0);
    const viaApiGateway = dollarsOf({ ...deliverySide, apiRequests: deliverySide.apiRequests + webhookRequests }).total;

    const figures: Figure[] = [
      {
        name: 'per notification: DynamoDB write / read units',
        value: `${round(both.dynamoWrite / n, 1)} / ${round(both.dynamoRead / n, 1)}`,
        unit: 'units',
        spread: `upload ${round(fileSide.dynamoWrite / n, 1)} / ${round(fileSide.dynamoRead / n, 1)}, delivery ${round(deliverySide.dynamoWrite / n, 1)} / ${round(deliverySide.dynamoRead / n, 1)}`,
      },
      {
        name: 'per notification: SQS requests',
        value: round(both.sqs / n, 2),
        unit: 'requests',
        spread: `upload ${round(fileSide.sqs / n, 2)}, delivery ${round(deliverySide.sqs / n, 2)}`,
      },
      { name: 'per notification: S3 writes / reads', value: `${round(both.s3Write / n, 2)} / ${round(both.s3Read / n, 2)}`, unit: 'requests' },
      {
        name: 'per notification: Lambda invocations',
        value: round(both.lambdaRequests / n, 2),
        unit: 'invocations',
        spread: `${round(both.gbSeconds / n, 4)} GB-s`,
      },
      { name: 'per notification: API Gateway requests', value: round(both.apiRequests / n, 2), unit: 'requests' },
      ...Object.entries(dollarsOf(both).byService).map(([service, cost]) => ({ name: `${service} per million notifications`, value: usd(cost), unit: 'USD' })),
      {
        name: 'total per million notifications, upload included',
        value: usd(total),
        unit: 'USD',
        spread: `the upload's part ${usd(dollarsOf(fileSide).total)}`,
      },
      {
        name: 'delivery per million notifications (match to callbacks, no upload)',
        value: usd(delivery),
        unit: 'USD',
        goal: '≤ 3',
        met: perMillion(delivery) <= 3,
      },
      {
        name: 'delivery, were the Twilio webhooks API Gateway routes',
        value: usd(viaApiGateway),
        unit: 'USD',
        spread: `the Function URLs save ${usd(viaApiGateway - delivery)}`,
      },
    ];
    // The warm path: one upload at a time, each delivered before the next, so that invocations do
    // not overlap and the process's CPU time during one is that invocation's own (the handler and
    // its SDK clients; the queue and storage engine, the simulator and the pollers are in this
    // process too, but idle between requests).
    meter.reset();
    const ok = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', path: string, body?: unknown, headers?: Record<string, string>) => {
      const response = await user.request(method, path, body, headers);
      if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${response.text}`);
      return response.body;
    };
    for (let i = 0; i < opts.sequential; i++) {
      const { fileId } = await user.upload({ fileName: `warm-${i}.txt`, contentType: 'text/plain', content: `${i}` });
      const delivered = opts.uploads + i + 1;
      await eventually(
        async () => (runtime.simulator.messages().filter((m) => m.status === 'delivered').length >= delivered ? true : undefined),
        30_000,
        'the upload to be delivered',
      );
      await runtime.simulator.idle();
      // Every other route once per round, one request at a time.
      await ok('GET', `/files/${fileId}`);
      await ok('GET', '/files?limit=20');
      await ok('GET', '/files?name=warm&limit=20');
      await ok('GET', '/notifications?limit=20');
      await ok('GET', '/notifications/longpoll?timeout=0');
      const rule = await ok('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550198', isActive: false });
      await ok('GET', `/rules/${rule.ruleId}`);
      await ok('PATCH', `/rules/${rule.ruleId}`, { fileNameRegex: '^warm-' });
      await ok('GET', '/rules?limit=20');
      await ok('DELETE', `/rules/${rule.ruleId}`);
      const inbound = await runtime.simulator.sendInbound(`${runtime.publicBaseUrl}/twilio/incoming`, {
        from: '+14155550197',
        to: runtime.twilio.fromNumber,
        body: `hello ${i}`,
      });
      if (inbound.status !== 200) throw new Error(`The inbound webhook answered ${inbound.status}.`);
      if (i % 10 === 0) await runtime.runSchedule('reconcile');
      // The message store's routes, a new sender each round so no limit or dedup window is met.
      const posted = await ok('POST', '/messages', { from: `+1650300${String(i).padStart(4, '0')}`, to: '+14155550196', message: `warm ${i}` });
      await eventually(
        async () => ((await ok('GET', `/messages/${posted.messageId}`)).status === 'processed' ? true : undefined),
        30_000,
        'the message to be processed',
      );
      await ok('GET', '/messages?status=processed&limit=20');
      await ok('POST', `/messages/${posted.messageId}/media`, sampleImages.png(`warm ${i}`), { 'content-type': 'image/png' });
      // The large-image path: a form, the image posted to S3, its consumer attaching it.
      const form = await ok('POST', `/messages/${posted.messageId}/media/uploads`);
      const stored = await postForm(form, sampleImages.png(`warm form ${i}`), 'picture.png');
      if (stored.status >= 300) throw new Error(`The image form was refused: ${stored.status} ${stored.text}`);
      await eventually(
        async () => ((await ok('GET', `/messages/${posted.messageId}/media`)).items.length === 2 ? true : undefined),
        30_000,
        'the posted image to be attached',
      );
      await ok('GET', '/metrics');
      // The messaging API's routes; its sends are scheduled a day ahead, so the delivered count above stays the uploads'.
      const later = new Date(Date.now() + 86_400_000).toISOString();
      const template = await ok('POST', '/templates', { name: `warm-${i}`, body: 'Hi {{name}}' });
      await ok('GET', `/templates/${template.templateId}`);
      await ok('PATCH', `/templates/${template.templateId}`, { body: 'Hello {{name}}' });
      await ok('GET', '/templates?limit=20');
      const sent = await ok('POST', '/notifications', { to: '+14155550196', templateId: template.templateId, variables: { name: `n${i}` }, sendAt: later });
      await ok('DELETE', `/templates/${template.templateId}`);
      await ok('GET', `/notifications/${sent.notificationId}`);
      await ok('PATCH', `/notifications/${sent.notificationId}`, { sendAt: new Date(Date.parse(later) + 60_000).toISOString() });
      await ok('DELETE', `/notifications/${sent.notificationId}`);
      await ok('POST', '/notifications/batch', { items: [{ to: '+14155550195', body: `warm batch ${i}`, sendAt: later }] });
      await ok('GET', '/settings');
      await ok('PUT', '/settings', { dedupWindowSeconds: 60 });
      await ok('GET', `/opt-outs/${encodeURIComponent('+14155550194')}`);
      await ok('PUT', `/opt-outs/${encodeURIComponent('+14155550194')}`, { optedOut: true });
      if (i % 10 === 0) await runtime.runSchedule('sweepScheduled');
      // Voice: a line, an answered call (no SMS, so the delivered count stays the uploads'), a customer's text into a conversation.
      const lineNumber = `+1628500${String(i).padStart(4, '0')}`;
      runtime.phoneNumbers.add(lineNumber);
      const line = await ok('POST', '/lines', { number: lineNumber, forwardTo: '+14155550193' });
      await ok('GET', '/lines?limit=20');
      await ok('PATCH', `/lines/${line.lineId}`, { ringSeconds: 25 });
      await ok('GET', `/lines/${line.lineId}`);
      const call = await runtime.voiceCalls.play({ from: '+14155550192', to: lineNumber, answer: 'answered' });
      await runtime.simulator.sendInbound(`${runtime.publicBaseUrl}/twilio/incoming`, { from: '+14155550191', to: lineNumber, body: `warm call back ${i}` });
      await ok('GET', `/calls/${call.callSid}`);
      await ok('GET', `/calls?lineId=${line.lineId}`);
      const [conversation] = await eventually(
        async () => {
          const items = (await ok('GET', `/conversations?lineId=${line.lineId}`)).items as Array<{ conversationId: string }>;
          return items.length > 0 ? items : undefined;
        },
        30_000,
        'the conversation',
      );
      await ok('GET', `/conversations/${conversation!.conversationId}`);
      await ok('PATCH', `/conversations/${conversation!.conversationId}`, { status: 'closed' });
      // Closed: the reply route answers 409 and sends nothing.
      await user.request('POST', `/conversations/${conversation!.conversationId}/messages`, { body: 'warm' });
      await ok('DELETE', `/lines/${line.lineId}`);
    }
    for (const [name, { durationsMs, cpuMs }] of Object.entries(meter.usage.invocations).sort()) {
      const wall = summarize(durationsMs);
      const cpu = summarize(cpuMs);
      figures.push({
        name: `warm ${name}: wall`,
        value: round(wall.median, 1),
        unit: 'ms p50',
        spread: `p95 ${round(wall.p95, 1)}, p99 ${round(wall.p99, 1)}, n ${wall.n}`,
      });
      figures.push({ name: `warm ${name}: CPU`, value: round(cpu.median, 1), unit: 'ms p50', spread: `p95 ${round(cpu.p95, 1)}, p99 ${round(cpu.p99, 1)}` });
    }
    return {
      benchmark: 'cost',
      description: `${n} uploads, each matching one SMS rule, metered end to end (DynamoDB consumed capacity, SQS/S3 requests including the event sources', Lambda invocations and billed duration at each function's memory, API Gateway requests; Twilio's webhooks are on Function URLs, which API Gateway does not bill) and priced at ${prices.asOf} us-east-1 list prices: DynamoDB $${prices.dynamoWritePerMillionUnits}/M WRU and $${prices.dynamoReadPerMillionUnits}/M RRU, SQS $${prices.sqsPerMillionRequests}/M, S3 $${prices.s3WritePerThousand}/1k PUT and $${prices.s3ReadPerThousand}/1k GET, Lambda arm64 $${prices.lambdaPerMillionRequests}/M + $${prices.lambdaArmPerGbSecond}/GB-s, HTTP API $${prices.httpApiPerMillionRequests}/M. Durations are this machine's under that load (2 cores, the queue and storage engine, the simulator and the load in this process; DynamoDB's engine in a child process); Twilio's fees, storage and logs are not included. Delivery is everything after the upload's part (the file's record and index, the rules read, the upload queue, create-upload and rule-matcher, the browser's POST to S3).`,
      figures,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await runtime.stop();
  }
}
