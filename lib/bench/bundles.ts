import { measureBundles, onDemandLoad, onDemandPackages } from '../bundling.ts';
import type { BenchResult, Figure } from './report.ts';
import { round } from './stats.ts';

const MAX_BYTES = 1024 * 1024;
const MAX_RATIO = 1.3;

/** Each Lambda's minified bundle and its require time in a fresh process, against its SDK floor. */
export async function bundlesBenchmark(opts: { runs: number; only?: readonly string[] }): Promise<BenchResult> {
  const started = performance.now();
  const bundles = await measureBundles({ requireTime: true, runs: opts.runs, only: opts.only });
  const figures: Figure[] = [];
  for (const b of bundles) {
    const ratio = b.requireRatio!;
    figures.push(
      {
        name: `${b.name} bundle`,
        value: round(b.bytes / 1024, 0),
        unit: 'KB',
        ...(b.onDemandBytes ? { spread: `and ${round(b.onDemandBytes / 1024, 0)} KB loaded on demand beside it` } : {}),
        goal: '< 1024',
        met: b.bytes + b.onDemandBytes < MAX_BYTES,
      },
      {
        name: `${b.name} require`,
        value: round(b.requireMs!, 1),
        unit: 'ms',
        spread: `floor ${round(b.floorRequireMs!, 1)} ms, ${round(b.floorBytes / 1024, 0)} KB`,
      },
      { name: `${b.name} require / floor`, value: round(ratio, 2), unit: '×', goal: `≤ ${MAX_RATIO}`, met: ratio <= MAX_RATIO },
    );
  }
  if (bundles.some((b) => b.onDemandBytes > 0)) {
    for (const name of onDemandPackages) {
      const { bytes, requireMs } = onDemandLoad(name, opts.runs);
      figures.push({
        name: `${name} loaded on demand`,
        value: round(requireMs, 1),
        unit: 'ms',
        spread: `${round(bytes / 1024, 0)} KB, required in a fresh process: what the first request that needs it adds`,
      });
    }
  }
  return {
    benchmark: 'bundles',
    description: `Minified ESM bundle per function, and the median of ${opts.runs} imports in a fresh Node process, against a floor bundle holding only the AWS SDK clients that function uses; the ratio is the median of the ${opts.runs} turns' ratios, bundle and floor imported one after the other.`,
    figures,
    seconds: (performance.now() - started) / 1000,
  };
}
