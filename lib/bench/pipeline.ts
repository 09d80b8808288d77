import { mapLimit } from '../../shared/domain/map-limit.ts';
import { ApiClient } from '../local/api-client.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import type { BenchResult } from './report.ts';
import { round, summarize } from './stats.ts';

interface Delivered {
  fileId: string;
  at: number;
}

async function notificationsIn(user: ApiClient, status: 'delivered' | 'failed'): Promise<Delivered[]> {
  const out: Delivered[] = [];
  let cursor: string | null = null;
  do {
    const page = await user.request('GET', `/notifications?status=${status}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const n of page.body.items as Array<{ fileId: string; history: Array<{ status: string; at: string }> }>) {
      const at = n.history.find((h) => h.status === status)?.at;
      if (at) out.push({ fileId: n.fileId, at: Date.parse(at) });
    }
    cursor = page.body.nextCursor;
  } while (cursor);
  return out;
}

/**
 * `uploads` files, each matching one rule, pushed through the whole local runtime over HTTP:
 * presign, multipart upload, S3 event, rule-matcher, sender, simulator, status callbacks.
 * Reports throughput, upload-to-delivered latency, and any notification lost or sent twice.
 */
export interface FaultRun {
  /** Simulator faults while the uploads flow (see the README's fault fields). */
  simulator: Record<string, number | boolean>;
}

export async function pipelineBenchmark(opts: { uploads: number; concurrency: number; faults?: FaultRun }): Promise<BenchResult> {
  const started = performance.now();
  // The fault run also delivers every queue message twice, kills the sender once mid-batch,
  // and shortens visibility timeouts so that the killed batch comes back within the run.
  const runtime = await startLocalRuntime({
    port: 0,
    logLevel: 'ERROR',
    ...(opts.faults ? { duplicateDeliveries: true, killOnceMidBatch: 'twilio-sender' as const, visibilityTimeoutSeconds: 20 } : {}),
  });
  try {
    const api = new ApiClient(runtime.url);
    const user = api.as(await api.tokenFor('bench'));
    await user.request('POST', '/rules', { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550100', messageTemplate: '{{fileName}} arrived' });

    if (opts.faults) runtime.simulator.setFaults(opts.faults.simulator);
    const uploadedAt = new Map<string, number>();
    const firstUpload = Date.now();
    await mapLimit(
      Array.from({ length: opts.uploads }, (_, i) => i),
      opts.concurrency,
      async (i) => {
        const { fileId } = await user.upload({ fileName: `bench-${i}.txt`, contentType: 'text/plain', content: `file ${i}` });
        uploadedAt.set(fileId, Date.now());
      },
    );
    const uploadSeconds = (Date.now() - firstUpload) / 1000;

    const deadline = Date.now() + (opts.faults ? 300_000 : 60_000) + opts.uploads * 100;
    let delivered: Delivered[] = [];
    let failed: Delivered[] = [];
    while (Date.now() < deadline) {
      delivered = await notificationsIn(user, 'delivered');
      failed = opts.faults ? await notificationsIn(user, 'failed') : [];
      if (delivered.length + failed.length >= opts.uploads) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    runtime.simulator.clearFaults();
    await runtime.simulator.idle();

    const sent = (await api.request('GET', '/local/twilio/messages')).body.items as Array<{ body: string }>;
    const perFile = new Map<string, number>();
    for (const m of sent) perFile.set(m.body, (perFile.get(m.body) ?? 0) + 1);
    const doubled = [...perFile.values()].filter((c) => c > 1).length;
    // Failed after every retry is accounted for (on the DLQ, `failed` in the log); lost is neither.
    const lost = opts.uploads - new Set([...delivered, ...failed].map((d) => d.fileId)).size;
    const latencies = delivered.filter((d) => uploadedAt.has(d.fileId)).map((d) => d.at - uploadedAt.get(d.fileId)!);
    const lastDelivered = Math.max(...[...delivered, ...failed].map((d) => d.at));
    const l = summarize(latencies);
    const drainSeconds = (lastDelivered - firstUpload) / 1000;

    return {
      benchmark: opts.faults ? 'fault-run' : 'pipeline',
      description: opts.faults
        ? `The pipeline run with faults: the simulator ${JSON.stringify(opts.faults.simulator)}, every queue message delivered twice, the sender killed once mid-batch; ${opts.uploads} uploads.`
        : `${opts.uploads} uploads (${opts.concurrency} at a time) through the local runtime, each matching one SMS rule; the simulator answers at once and calls back after 20 and 40 ms.`,
      figures: [
        { name: 'uploads accepted', value: round(opts.uploads / uploadSeconds, 1), unit: 'uploads/s' },
        {
          name: 'notifications delivered',
          value: round(delivered.length / drainSeconds, 1),
          unit: 'notifications/s',
          spread: `${delivered.length} in ${round(drainSeconds, 1)} s`,
        },
        {
          name: 'upload → delivered p50',
          value: round(l.median, 0),
          unit: 'ms',
          spread: `p95 ${round(l.p95, 0)}, p99 ${round(l.p99, 0)}, max ${round(l.max, 0)}`,
        },
        ...(opts.faults ? [{ name: 'failed after every retry (on the DLQ)', value: failed.length, unit: 'count' }] : []),
        { name: 'lost notifications', value: lost, unit: 'count', goal: '0', met: lost === 0 },
        { name: 'doubled messages', value: doubled, unit: 'count', goal: '0', met: doubled === 0 },
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await runtime.stop();
  }
}
