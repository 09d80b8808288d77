import { join } from 'node:path';
import { projectRoot } from '../local/runtime.ts';
import { bundlesBenchmark } from './bundles.ts';
import { pipelineBenchmark } from './pipeline.ts';
import { writeReport, type BenchResult } from './report.ts';
import { ruleMatchingBenchmark } from './rule-matching.ts';

export type BenchSize = 'tiny' | 'default';

/** The benchmarks and their sizes: `default` for figures, `tiny` to prove the suite still runs. */
export const benchmarks: Record<string, (size: BenchSize) => Promise<BenchResult>> = {
  bundles: (size) => bundlesBenchmark({ runs: size === 'tiny' ? 1 : 5 }),
  'rule-matching': (size) => ruleMatchingBenchmark({ ruleCount: size === 'tiny' ? 200 : 10_000, runs: size === 'tiny' ? 2 : 5 }),
  pipeline: (size) => pipelineBenchmark({ uploads: size === 'tiny' ? 10 : 1_000, concurrency: 20 }),
};

/** Runs the chosen benchmarks in order and writes one report. */
export async function runBenchmarks(opts: { size: BenchSize; only?: string[]; outDir?: string }) {
  const names = opts.only?.length ? opts.only : Object.keys(benchmarks);
  const unknown = names.filter((n) => !(n in benchmarks));
  if (unknown.length) throw new Error(`Unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}.`);
  const results: BenchResult[] = [];
  for (const name of names) results.push(await benchmarks[name]!(opts.size));
  const paths = writeReport(opts.outDir ?? join(projectRoot, '.bench'), results);
  return { results, paths };
}
