import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mapLimit } from '../../shared/domain/map-limit.ts';
import { ApiClient, eventually } from '../local/api-client.ts';
import { projectRoot, startLocalRuntime, type LocalRuntime } from '../local/runtime.ts';
import type { BenchResult, Figure } from './report.ts';
import type { BenchSize } from './run.ts';
import { round, seededRandom, summarize } from './stats.ts';

export interface SendsSizes {
  scheduled: { sends: number; windowSeconds: number; leadSeconds: number; cancels: number };
  priority: { backlog: number; urgent: number; everyMs: number; mps: number };
  batch: { batches: number; size: number; concurrency: number };
}

export const sendsSizes: Record<BenchSize, SendsSizes> = {
  tiny: {
    scheduled: { sends: 20, windowSeconds: 5, leadSeconds: 3, cancels: 4 },
    priority: { backlog: 40, urgent: 3, everyMs: 500, mps: 10 },
    batch: { batches: 3, size: 10, concurrency: 2 },
  },
  default: {
    scheduled: { sends: 1_000, windowSeconds: 120, leadSeconds: 60, cancels: 200 },
    priority: { backlog: 1_000, urgent: 20, everyMs: 500, mps: 10 },
    batch: { batches: 100, size: 100, concurrency: 2 },
  },
};

/** A distinct recipient per send, so no dedup window or opt-out line links two of them. */
const number = (i: number) => `+1415${String(5_000_000 + i).padStart(7, '0')}`;

async function user(runtime: LocalRuntime, name: string): Promise<ApiClient> {
  const api = new ApiClient(runtime.url);
  return api.as(await runtime.token(name));
}

/** Creates `items` through the batch route, `size` at a time; throws on any refused item. */
async function createAll(client: ApiClient, items: Array<Record<string, unknown>>, size = 100, concurrency = 4) {
  const chunks = Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
  const results = await mapLimit(chunks, concurrency, async (chunk) => {
    const res = await client.request('POST', '/notifications/batch', { items: chunk });
    if (res.status !== 200) throw new Error(`batch: ${res.status} ${res.text}`);
    const bad = (res.body.results as Array<{ status: number; error?: unknown }>).filter((r) => r.status !== 201);
    if (bad.length > 0) throw new Error(`batch items refused: ${JSON.stringify(bad.slice(0, 3))}`);
    return res.body.results as Array<{ notification: { notificationId: string } }>;
  });
  return results.flat().map((r) => r.notification.notificationId);
}

/**
 * Scheduling: sends scheduled at random times over a window, some canceled at random. Each
 * message's lateness is the simulator's acceptance time minus its sendAt.
 */
export async function schedulingPart(o: SendsSizes['scheduled']): Promise<Figure[]> {
  const runtime = await startLocalRuntime({ port: 0, logLevel: 'ERROR', twilioMps: 50 });
  try {
    const client = await user(runtime, 'bench-scheduling');
    const random = seededRandom(20_261_130);
    const start = Date.now() + o.leadSeconds * 1000;
    const plans = Array.from({ length: o.sends }, (_, i) => ({
      i,
      to: number(i),
      sendAt: new Date(start + Math.floor(random() * o.windowSeconds * 1000)).toISOString(),
    }));
    const ids = await createAll(
      client,
      plans.map((p) => ({ to: p.to, body: `Scheduled ${p.i}.`, sendAt: p.sendAt })),
    );
    const canceled = new Set<number>();
    while (canceled.size < o.cancels) canceled.add(Math.floor(random() * o.sends));
    await mapLimit([...canceled], 8, async (i) => {
      const res = await client.request('DELETE', `/notifications/${ids[i]}`);
      if (res.status !== 200) throw new Error(`cancel: ${res.status} ${res.text}`);
    });
    const expected = o.sends - o.cancels;
    const sentTo = () => runtime.simulator.messages().filter((m) => m.accepted);
    await eventually(async () => (sentTo().length >= expected ? true : undefined), (o.leadSeconds + o.windowSeconds + 60) * 1000, 'every scheduled send');
    // Anything sent twice or after its cancel would arrive within a few more seconds.
    await new Promise((r) => setTimeout(r, 3_000));
    const byTo = new Map<string, number[]>();
    for (const m of sentTo()) byTo.set(m.to, [...(byTo.get(m.to) ?? []), Date.parse(m.dateCreated)]);
    const lateness: number[] = [];
    let early = 0;
    let lost = 0;
    let doubled = 0;
    let canceledSent = 0;
    for (const p of plans) {
      const times = byTo.get(p.to) ?? [];
      if (canceled.has(p.i)) {
        canceledSent += times.length;
        continue;
      }
      if (times.length === 0) lost++;
      if (times.length > 1) doubled++;
      for (const t of times) {
        const late = t - Date.parse(p.sendAt);
        if (late < 0) early++;
        lateness.push(late);
      }
    }
    const l = summarize(lateness);
    return [
      {
        name: 'scheduling lateness p95',
        value: round(l.p95, 0),
        unit: 'ms',
        spread: `p50 ${round(l.median, 0)}, max ${round(l.max, 0)}, over ${l.n} sends`,
        goal: '≤ 1000',
        met: l.p95 <= 1000,
      },
      { name: 'scheduled sends early', value: early, unit: 'count', goal: '0', met: early === 0 },
      { name: 'scheduled sends lost', value: lost, unit: 'count', goal: '0', met: lost === 0 },
      { name: 'scheduled sends doubled', value: doubled, unit: 'count', goal: '0', met: doubled === 0 },
      { name: 'canceled sends sent', value: canceledSent, unit: 'count', spread: `${o.cancels} canceled`, goal: '0', met: canceledSent === 0 },
    ];
  } finally {
    await runtime.stop();
  }
}

/**
 * Priority under backlog: normal sends queued faster than the account's rate, then urgent ones
 * one every `everyMs`; each urgent send's time from the request to the simulator's acceptance.
 */
export async function priorityPart(o: SendsSizes['priority']): Promise<Figure[]> {
  const runtime = await startLocalRuntime({ port: 0, logLevel: 'ERROR', twilioMps: o.mps });
  try {
    runtime.simulator.setFaults({ mps: o.mps });
    const client = await user(runtime, 'bench-priority');
    await createAll(
      client,
      Array.from({ length: o.backlog }, (_, i) => ({ to: number(i), body: `Normal ${i}.` })),
    );
    const sentAtBefore = runtime.simulator.counters().accepted;
    const requested = new Map<string, number>();
    for (let k = 0; k < o.urgent; k++) {
      const to = number(100_000 + k);
      requested.set(to, Date.now());
      const res = await client.request('POST', '/notifications', { to, body: `Urgent ${k}.`, priority: 7 });
      if (res.status !== 201) throw new Error(`urgent: ${res.status} ${res.text}`);
      await new Promise((r) => setTimeout(r, o.everyMs));
    }
    const urgentSent = () => runtime.simulator.messages().filter((m) => m.accepted && requested.has(m.to));
    await eventually(async () => (urgentSent().length >= o.urgent ? true : undefined), 60_000, 'the urgent sends');
    const delays = urgentSent().map((m) => Date.parse(m.dateCreated) - requested.get(m.to)!);
    const normalLeft = o.backlog - (runtime.simulator.counters().accepted - urgentSent().length);
    const d = summarize(delays);
    const throttled = runtime.simulator.counters().throttled;
    return [
      {
        name: 'priority send to simulator p95',
        value: round(d.p95, 0),
        unit: 'ms',
        spread: `p50 ${round(d.median, 0)}, max ${round(d.max, 0)}; ${normalLeft} normal sends still queued at the end (${sentAtBefore} sent before the first urgent one)`,
        goal: '≤ 2000',
        met: d.p95 <= 2000,
      },
      { name: '429 answers under backlog', value: throttled, unit: 'count', goal: '0', met: throttled === 0 },
    ];
  } finally {
    await runtime.stop();
  }
}

/** The batch route: `batches` calls of `size` sends, `concurrency` at a time. */
export async function batchPart(o: SendsSizes['batch']): Promise<Figure[]> {
  const runtime = await startLocalRuntime({ port: 0, logLevel: 'ERROR', twilioMps: 50 });
  try {
    const client = await user(runtime, 'bench-batch');
    const latencies: number[] = [];
    let accepted = 0;
    const t0 = performance.now();
    await mapLimit(
      Array.from({ length: o.batches }, (_, b) => b),
      o.concurrency,
      async (b) => {
        // A day ahead: the senders stay idle, so the figures are the API's alone, not its share of
        // one embedded engine with ten thousand sends going out.
        const sendAt = new Date(Date.now() + 86_400_000).toISOString();
        const items = Array.from({ length: o.size }, (_, i) => ({ to: number(b * o.size + i), body: `Batch ${b} item ${i}.`, sendAt }));
        const started = performance.now();
        const res = await client.request('POST', '/notifications/batch', { items });
        latencies.push(performance.now() - started);
        if (res.status !== 200) throw new Error(`batch: ${res.status} ${res.text}`);
        accepted += (res.body.results as Array<{ status: number }>).filter((r) => r.status === 201).length;
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    const l = summarize(latencies);
    return [
      {
        name: 'batch sends accepted',
        value: round(accepted / seconds, 0),
        unit: 'sends/s',
        spread: `${accepted} of ${o.batches * o.size} in ${round(seconds, 1)} s, ${o.concurrency} calls at a time`,
      },
      { name: `batch call of ${o.size} p95`, value: round(l.p95, 0), unit: 'ms', spread: `p50 ${round(l.median, 0)}, max ${round(l.max, 0)}` },
    ];
  } finally {
    await runtime.stop();
  }
}

export const parts = { scheduling: schedulingPart, priority: priorityPart, batch: batchPart } as const;

const run = promisify(execFile);

/**
 * The messaging API's three benchmarks, each in its own process (the senders read their rate
 * at start, and the priority part needs a slower one than the others).
 */
export async function sendsBenchmark(size: BenchSize): Promise<BenchResult> {
  const started = performance.now();
  const sizes = sendsSizes[size];
  const figures: Figure[] = [];
  for (const part of Object.keys(parts) as Array<keyof typeof parts>) {
    try {
      const { stdout } = await run(join(projectRoot, 'node_modules/.bin/tsx'), [join(projectRoot, 'lib/bench/sends-part.ts'), part, size], {
        cwd: projectRoot,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, LOG_LEVEL: 'ERROR' },
      });
      figures.push(...(JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as Figure[]));
    } catch (err) {
      // One part failing keeps the others' figures.
      const message =
        String((err as { stderr?: string }).stderr ?? err)
          .split('\n')
          .find((l) => l.startsWith('Error')) ?? String(err);
      figures.push({ name: `${part} part`, value: 'failed', unit: '', spread: message.slice(0, 300), met: false });
    }
  }
  const s = sizes.scheduled;
  const p = sizes.priority;
  const b = sizes.batch;
  return {
    benchmark: 'sends',
    description:
      `Scheduling: ${s.sends} sends over ${s.windowSeconds} s (from ${s.leadSeconds} s ahead), ${s.cancels} of them canceled at random, senders at 50/s. ` +
      `Priority: ${p.backlog} normal sends queued at ${p.mps} messages/s (simulator enforcing it), then ${p.urgent} of priority 7, one every ${p.everyMs} ms. ` +
      `Batch: ${b.batches} calls of ${b.size} (scheduled a day ahead, so no sends compete), ${b.concurrency} at a time. Each part in its own local runtime.`,
    figures,
    seconds: (performance.now() - started) / 1000,
  };
}
