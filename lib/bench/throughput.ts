import { mapLimit } from '../../shared/domain/map-limit.ts';
import { ApiClient, eventually } from '../local/api-client.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import type { BenchResult } from './report.ts';
import { round } from './stats.ts';

/** Most events that fall in any window of `windowMs`. */
function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/**
 * A backlog of `backlog` notifications (one upload matching that many rules) drained through
 * the shared rate limiter while the simulator enforces `mps` messages a second as Twilio does.
 */
export async function throughputBenchmark(opts: { backlog: number; mps: number }): Promise<BenchResult> {
  const started = performance.now();
  const runtime = await startLocalRuntime({ port: 0, logLevel: 'ERROR', twilioMps: opts.mps });
  try {
    runtime.simulator.setFaults({ mps: opts.mps });
    const api = new ApiClient(runtime.url);
    const user = api.as(await api.tokenFor('throughput'));
    await mapLimit(
      Array.from({ length: opts.backlog }, (_, i) => i),
      16,
      async (i) => {
        const created = await user.request('POST', '/rules', {
          eventType: 'file_upload',
          notifyVia: 'sms',
          target: `+1415555${String(1000 + i).padStart(4, '0')}`,
        });
        if (created.status !== 201) throw new Error(`rule ${i}: ${created.status} ${created.text}`);
      },
    );
    await user.upload({ fileName: 'backlog.txt', contentType: 'text/plain', content: 'b' });
    await eventually(
      async () => (runtime.simulator.counters().accepted >= opts.backlog ? true : undefined),
      30_000 + (opts.backlog / opts.mps) * 2000,
      'the backlog to drain',
    );
    const { sendTimes, throttled, accepted } = runtime.simulator.counters();
    const seconds = (Math.max(...sendTimes) - Math.min(...sendTimes)) / 1000;
    const afterFirstSecond = sendTimes.filter((t) => t >= Math.min(...sendTimes) + 1000);
    const rate = seconds > 0 ? (sendTimes.length - 1) / seconds : Number.NaN;
    const targets = new Set(
      runtime.simulator
        .messages()
        .filter((m) => m.accepted)
        .map((m) => m.to),
    );
    return {
      benchmark: 'throughput',
      description: `${opts.backlog} notifications queued at once, senders paced to ${opts.mps} messages/s (TWILIO_MPS) while the simulator enforces ${opts.mps}/s as Twilio does.`,
      figures: [
        {
          name: 'achieved send rate',
          value: round(rate, 2),
          unit: 'messages/s',
          goal: `${opts.mps * 0.9}–${opts.mps}`,
          met: rate <= opts.mps && rate >= opts.mps * 0.9,
        },
        // Twilio's bucket holds a second's worth, so a full one lets up to twice the rate through in
        // the first second; after that, any second holds about the rate.
        {
          name: 'busiest 1 s window',
          value: busiestWindow(sendTimes, 1000),
          unit: 'messages',
          spread: `${busiestWindow(afterFirstSecond, 1000)} after the first second`,
        },
        { name: '429 answers from Twilio', value: throttled, unit: 'count', goal: '0', met: throttled === 0 },
        {
          name: 'messages sent',
          value: accepted,
          unit: 'count',
          spread: `${targets.size} distinct recipients`,
          goal: String(opts.backlog),
          met: accepted === opts.backlog && targets.size === opts.backlog,
        },
        { name: 'drain time', value: round(seconds, 1), unit: 's' },
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await runtime.stop();
  }
}
