import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { MessageChannel, type Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, eventually } from '../../../lib/local/api-client.ts';
import { activityOver, ConsumerThreads, restartDelayMs, shareOf } from '../../../lib/local/consumer-thread.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../lib/local/engines.ts';
import { projectRoot, startLocalRuntime, type LocalRuntime } from '../../../lib/local/runtime.ts';
import { Meter } from '../../../lib/bench/meter.ts';
import { cpuByPart } from '../../../lib/bench/thread-cpu.ts';
import { setActivitySink } from '../../../shared/activity.ts';
import { setMetricSink } from '../../../shared/metrics.ts';
import { queues } from '../../../shared/topology.ts';

describe('shareOf', () => {
  it("splits a queue's concurrency over the threads, every thread polling at least once", () => {
    expect([0, 1].map((i) => shareOf(5, i, 2))).toEqual([3, 2]);
    expect([0, 1, 2].map((i) => shareOf(2, i, 3))).toEqual([1, 1, 0]);
    for (const spec of Object.values(queues)) {
      for (const threads of [1, 2, 3, 16]) {
        const shares = Array.from({ length: threads }, (_, i) => shareOf(spec.maxConcurrency, i, threads));
        expect(shares.reduce((a, b) => a + b)).toBe(spec.maxConcurrency);
      }
    }
  });
});

/** The worker threads this process has now (Node names each WorkerThread). */
const workerThreadCount = () =>
  readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'WorkerThread';
    } catch {
      return false;
    }
  }).length;

describe('activityOver', () => {
  it('sends an activity line to the other thread, without its fields when they cannot cross', async () => {
    const { port1, port2 } = new MessageChannel();
    const received: unknown[] = [];
    port2.on('message', (message) => received.push(message));
    const sink = activityOver(port1);
    sink('notification 1 sent', { notificationId: '1' });
    sink('notification 2 sent', { notificationId: '2', retry: () => undefined });
    await eventually(async () => (received.length === 2 ? true : undefined));
    expect(received).toEqual([{ activity: ['notification 1 sent', { notificationId: '1' }] }, { activity: ['notification 2 sent', {}] }]);
    port1.close();
  });
});

describe('restartDelayMs', () => {
  it('waits half a second after a first death, doubling while a thread keeps dying, up to 30 s', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map(restartDelayMs)).toEqual([500, 1_000, 2_000, 4_000, 30_000, 30_000, 30_000]);
  });
});

describe('the queue consumers in threads of their own', () => {
  let runtime: LocalRuntime;
  let api: ApiClient;
  const activity: string[] = [];
  const countedHere: string[] = [];

  beforeAll(async () => {
    expect(cpuByPart()).not.toHaveProperty('consumer threads');
    setActivitySink((line) => activity.push(line));
    runtime = await startLocalRuntime({ port: 0, logLevel: 'SILENT', consumerThreads: 2, callbackDelaysMs: { sent: 10, delivered: 20 } });
    api = new ApiClient(runtime.url);
    // What this thread's handlers count passes here on its way to the runtime's counters; a thread's does not.
    setMetricSink((...metric) => {
      countedHere.push(metric[0]);
      runtime.metrics.record(...metric);
    });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it("carry a missed call to its auto-reply and the reply's delivery, with their metrics and activity in the runtime's thread", async () => {
    const alice = api.as(await runtime.token(`user-${randomUUID()}`));
    const number = '+14155557001';
    runtime.phoneNumbers.add(number);
    const line = await alice.request('POST', '/lines', { number, forwardTo: '+14155550199', businessName: 'Acme Plumbing', voicemail: false });
    expect(line.status, line.text).toBe(201);

    const caller = '+14155557002';
    const played = await api.request('POST', '/local/twilio/calls', { from: caller, to: number, answer: 'no-answer' });
    expect(played.status, played.text).toBe(200);
    // The voice worker, the sender and the status consumer each ran in a consumer thread.
    const logged = await eventually(async () => {
      const { body } = await alice.request('GET', `/calls/${played.body.callSid}`);
      return body?.autoReply ? body : undefined;
    });
    const delivered = await eventually(async () => {
      const { body } = await alice.request('GET', `/notifications/${logged.autoReply.notificationId}`);
      return body?.status === 'delivered' ? body : undefined;
    });
    expect(delivered).toMatchObject({ source: 'missed-call', target: caller, from: number });
    const texts = (await api.request('GET', '/local/twilio/messages')).body.items.filter((m: { to: string }) => m.to === caller);
    expect(texts).toHaveLength(1);

    // Node names a worker's thread WorkerThread: they are there, and did the work.
    expect(cpuByPart()['consumer threads']).toBeGreaterThan(0);
    const { body: counted } = await api.request('GET', '/local/metrics');
    expect(counted.metrics['ProcessingTime queue=voice']?.count).toBeGreaterThan(0);
    // The consumers counted in their threads; the webhooks, in this one.
    expect(countedHere).not.toContain('ProcessingTime');
    expect(countedHere).toContain('StatusCallbacks');
    expect(counted.metrics['StatusCallbacks status=delivered']).toBeGreaterThan(0);
    expect(activity).toContainEqual(expect.stringMatching(new RegExp(`^notification ${logged.autoReply.notificationId} sent by sms to …7002`)));
  });

  it('start again a thread that died', async () => {
    const extra = await ConsumerThreads.start(
      {
        projectRoot,
        sqsEndpoint: runtime.engines.sqsEndpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        queueUrls: runtime.resources.queueUrls,
        queueArns: runtime.resources.queueArns,
        threads: 1,
      },
      () => {},
    );
    try {
      const [worker] = (extra as unknown as { workers: Worker[] }).workers;
      const ended = new Promise((resolve) => worker!.once('exit', resolve));
      await worker!.terminate();
      await ended;
      const again = await eventually(async () => {
        const [next] = (extra as unknown as { workers: Worker[] }).workers;
        return next !== worker && next!.threadId >= 0 ? next : undefined;
      });
      expect(again.threadId).not.toBe(worker!.threadId);
    } finally {
      await extra.stop();
    }
  });

  it('refuse to start when the threads cannot import the consumers, leaving none running', async () => {
    const threadsBefore = workerThreadCount();
    const config = {
      projectRoot: '/nonexistent',
      sqsEndpoint: runtime.engines.sqsEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      queueUrls: runtime.resources.queueUrls,
      queueArns: runtime.resources.queueArns,
      threads: 2,
    };
    await expect(ConsumerThreads.start(config, () => {})).rejects.toThrow(/nonexistent/);
    await eventually(async () => (workerThreadCount() === threadsBefore ? true : undefined));
  });

  it('end with the runtime', async () => {
    const stopping = runtime.stop();
    await expect(stopping).resolves.toBeUndefined();
    expect(cpuByPart()).not.toHaveProperty('consumer threads');
    runtime = undefined as unknown as LocalRuntime;
  });
});

it('refuses the cost meter with consumer threads, whose requests it could not count', async () => {
  await expect(startLocalRuntime({ port: 0, consumerThreads: 1, meter: new Meter() })).rejects.toThrow(/without consumerThreads/);
});
