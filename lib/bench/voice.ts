import { availableParallelism } from 'node:os';
import { mapLimit } from '../../shared/domain/map-limit.ts';
import { ApiClient, eventually } from '../local/api-client.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import type { BenchResult, Figure } from './report.ts';
import { round, seededRandom, summarize } from './stats.ts';
import { cpuByPart, cpuSpent } from './thread-cpu.ts';

export interface VoiceOptions {
  calls: number;
  /** Fraction of calls nobody answers. */
  missedShare: number;
  /** Calls started per second. */
  callsPerSecond: number;
  lines: number;
  /** Threads the queue consumers run in (npm start's --consumer-threads). */
  consumerThreads: number;
  /**
   * How long a call's end waits before checking its missed call's reply again
   * (VOICE_STANDIN_DELAY_SECONDS): the bench waits for those checks too, so that a second reply
   * from one would count as a duplicate.
   */
  standInDelaySeconds: number;
}

const MISSED_ANSWERS = ['no-answer', 'busy', 'failed', 'canceled'] as const;
/** A distinct caller per call, so each missed call owes exactly one auto-reply. */
const callerOf = (i: number) => `+1650${String(3_000_000 + i).padStart(7, '0')}`;
const lineNumberOf = (i: number) => `+1628${String(4_000_000 + i).padStart(7, '0')}`;

/**
 * `npm run bench -- voice`: plays `calls` calls at `callsPerSecond` through npm start's voice
 * webhooks with the Twilio simulator (signed, following the TwiML), `missedShare` of them missed;
 * reports the webhooks' latency, how long a missed call takes to become an auto-reply the
 * simulator accepted, and counts duplicate and lost auto-replies.
 */
export async function voiceBenchmark(opts: VoiceOptions): Promise<BenchResult> {
  const started = performance.now();
  process.env.VOICE_STANDIN_DELAY_SECONDS = String(opts.standInDelaySeconds);
  // The account's sending rate is set above the missed-call rate, so pacing does not hide the path's own latency.
  const runtime = await startLocalRuntime({ port: 0, logLevel: 'ERROR', dynamoProcess: true, twilioMps: 200, consumerThreads: opts.consumerThreads });
  try {
    const api = new ApiClient(runtime.url);
    const owner = api.as(await runtime.token('voice-bench'));
    const lines = await mapLimit(
      Array.from({ length: opts.lines }, (_, i) => i),
      4,
      async (i) => {
        runtime.phoneNumbers.add(lineNumberOf(i));
        const response = await owner.request('POST', '/lines', {
          number: lineNumberOf(i),
          forwardTo: '+14155550199',
          businessName: `Shop ${i}`,
          voicemail: i % 2 === 0,
        });
        if (response.status !== 201) throw new Error(`POST /lines answered ${response.status}: ${response.text}`);
        return response.body as { number: string };
      },
    );

    const random = seededRandom(13);
    const plan = Array.from({ length: opts.calls }, (_, i) => {
      const missed = random() < opts.missedShare;
      return {
        from: callerOf(i),
        to: lines[i % lines.length]!.number,
        answer: missed ? MISSED_ANSWERS[Math.floor(random() * MISSED_ANSWERS.length)]! : ('answered' as const),
        voicemail: random() < 0.5,
        missed,
      };
    });

    // When each caller's auto-reply reached the simulator: told by the simulator as it accepts it.
    const firstReply = new Map<string, number>();
    const replyCount = new Map<string, number>();
    const stopWatching = runtime.simulator.onAccepted((m) => {
      replyCount.set(m.to, (replyCount.get(m.to) ?? 0) + 1);
      if (!firstReply.has(m.to)) firstReply.set(m.to, performance.now());
    });

    const webhookMs: number[] = [];
    const failedWebhooks: number[] = [];
    const missedAt = new Map<string, number>();
    // How late each call started against its slot: the bench's own queueing, which the latencies do not include.
    const startLagMs: number[] = [];
    const callStart = performance.now();
    const cpuAtStart = cpuByPart(runtime.engines.dynamoProcessId);
    await Promise.all(
      plan.map(async (call, i) => {
        const slot = callStart + (i * 1000) / opts.callsPerSecond;
        await new Promise((r) => setTimeout(r, Math.max(0, slot - performance.now())));
        startLagMs.push(performance.now() - slot);
        const played = await runtime.voiceCalls.play({ from: call.from, to: call.to, answer: call.answer, voicemail: call.voicemail });
        // The dial-status webhook (the second) is where a missed call is known; its answer is the reference.
        const dialStatus = played.webhooks[1];
        if (call.missed && dialStatus) missedAt.set(call.from, performance.now() - played.webhooks.slice(2).reduce((t, w) => t + w.ms, 0));
        for (const w of played.webhooks) {
          webhookMs.push(w.ms);
          if (w.status !== 200) failedWebhooks.push(w.status);
        }
      }),
    );
    const callSeconds = (performance.now() - callStart) / 1000;
    const missed = plan.filter((c) => c.missed);
    // A backlog the machine could not keep up with drains before anything counts as lost.
    await eventually(
      async () => (missed.every((c) => firstReply.has(c.from)) ? true : undefined),
      Math.max(60_000, opts.calls * 300),
      'every auto-reply',
    ).catch(() => undefined);
    // What the calls cost, their replies included: read before the wait for stand-ins, which is idle.
    const cpu = cpuSpent(cpuAtStart, cpuByPart(runtime.engines.dynamoProcessId));
    // Time for any second reply to show up before counting duplicates: the last call's stand-in
    // check included, which runs standInDelaySeconds after that call ended.
    const standInsDone = callStart + callSeconds * 1000 + (opts.standInDelaySeconds + 5) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(2_000, standInsDone - performance.now())));
    stopWatching();

    const replyDelays = missed.flatMap((c) => (firstReply.has(c.from) && missedAt.has(c.from) ? [firstReply.get(c.from)! - missedAt.get(c.from)!] : []));
    const lost = missed.filter((c) => !firstReply.has(c.from)).length;
    const duplicates = [...replyCount.values()].reduce((total, n) => total + Math.max(0, n - 1), 0);
    const answeredTexted = plan.filter((c) => !c.missed && replyCount.has(c.from)).length;
    const hooks = summarize(webhookMs);
    const replies = summarize(replyDelays);
    const lag = summarize(startLagMs);
    const cpuPerCallMs = Object.values(cpu).reduce((total, seconds) => total + seconds, 0) * (1000 / opts.calls);
    const coresNeeded = (cpuPerCallMs * opts.callsPerSecond) / 1000;
    const figures: Figure[] = [
      {
        name: 'calls played per second',
        value: round(opts.calls / callSeconds, 1),
        unit: 'calls/s',
        spread: `${opts.calls} calls (${missed.length} missed) in ${round(callSeconds, 1)} s`,
      },
      {
        name: 'voice webhook latency',
        value: round(hooks.p95, 1),
        unit: 'ms p95',
        spread: `p50 ${round(hooks.median, 1)}, p99 ${round(hooks.p99, 1)}, n ${hooks.n}`,
        goal: '< 50',
        met: hooks.p95 < 50,
      },
      {
        name: 'call start lag behind its slot',
        value: round(lag.p95, 1),
        unit: 'ms p95',
        spread: `p50 ${round(lag.median, 1)}, max ${round(lag.max, 1)}: how far the offered rate fell behind in the bench's own process`,
      },
      { name: 'voice webhook p50', value: round(hooks.median, 1), unit: 'ms' },
      { name: 'voice webhook p99', value: round(hooks.p99, 1), unit: 'ms' },
      {
        name: 'missed call → auto-reply accepted by the simulator',
        value: round(replies.p95, 1),
        unit: 'ms p95',
        spread: `p50 ${round(replies.median, 1)}, p99 ${round(replies.p99, 1)}, n ${replies.n}`,
        goal: '< 2000',
        met: replies.p95 < 2000,
      },
      {
        name: 'CPU per call',
        value: round(cpuPerCallMs, 1),
        unit: 'ms',
        spread: `${Object.entries(cpu)
          .map(([part, seconds]) => `${part} ${round((seconds * 1000) / opts.calls, 1)}`)
          .join(', ')}; the calls and their replies, every process of the runtime`,
      },
      {
        name: `cores ${opts.callsPerSecond} calls/s takes`,
        value: round(coresNeeded, 2),
        unit: 'cores',
        spread: `CPU per call × the offered rate; this machine has ${availableParallelism()}`,
      },
      { name: 'duplicate auto-replies', value: duplicates, unit: 'messages', goal: '0', met: duplicates === 0 },
      { name: 'lost auto-replies', value: lost, unit: 'missed calls', goal: '0', met: lost === 0 },
      { name: 'answered calls texted', value: answeredTexted, unit: 'calls', goal: '0', met: answeredTexted === 0 },
      { name: 'webhooks not answered 200', value: failedWebhooks.length, unit: 'requests', goal: '0', met: failedWebhooks.length === 0 },
    ];
    return {
      benchmark: 'voice',
      description: `${opts.calls} calls to ${opts.lines} lines at ${opts.callsPerSecond} calls/s through npm start's voice webhooks (stand-in reply checks ${opts.standInDelaySeconds} s after each call's end, waited for before duplicates are counted), played by the Twilio simulator (signed, following <Dial> and <Record>, then the status callback); ${Math.round(opts.missedShare * 100)} % missed (no-answer, busy, failed, canceled), half of the callers leaving a voicemail where offered; TWILIO_MPS 200; queue consumers in ${opts.consumerThreads} thread(s) of their own, as npm start runs them; DynamoDB in its own process.`,
      figures,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await runtime.stop();
  }
}
