import { STANDIN_TASK_DELAY_SECONDS } from '../../shared/domain/calls.ts';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../local/runtime.ts';
import { START_CONSUMER_THREADS } from '../local/consumer-thread.ts';
import { chosenFunctions } from '../bundling.ts';
import type { BenchResult } from './report.ts';
import { writeReport } from './report.ts';

export type BenchSize = 'tiny' | 'default';

/**
 * The benchmarks and their sizes: `default` for figures, `tiny` to prove the suite still runs.
 * Each module is loaded in its own process (see `runOne`), so they import lazily. `functions`
 * narrows the bundles benchmark to the functions named.
 */
export const benchmarks: Record<string, (size: BenchSize, functions?: readonly string[]) => Promise<BenchResult>> = {
  bundles: async (size, functions) => (await import('./bundles.ts')).bundlesBenchmark({ runs: size === 'tiny' ? 1 : 13, only: functions }),
  'rule-matching': async (size) =>
    (await import('./rule-matching.ts')).ruleMatchingBenchmark({ ruleCount: size === 'tiny' ? 200 : 10_000, runs: size === 'tiny' ? 2 : 5 }),
  pipeline: async (size) => (await import('./pipeline.ts')).pipelineBenchmark({ uploads: size === 'tiny' ? 10 : 1_000, concurrency: 20 }),
  'fault-run': async (size) =>
    (await import('./pipeline.ts')).pipelineBenchmark({
      uploads: size === 'tiny' ? 10 : 300,
      concurrency: 20,
      faults: { simulator: { errorRate5xx: 0.2, errorRate429: 0.1, latencyMs: 200 } },
    }),
  cost: async (size) => (await import('./cost.ts')).costBenchmark({ uploads: size === 'tiny' ? 10 : 300, sequential: size === 'tiny' ? 3 : 60 }),
  throughput: async (size) => (await import('./throughput.ts')).throughputBenchmark({ backlog: size === 'tiny' ? 30 : 500, mps: 10 }),
  'status-callbacks': async (size) =>
    (await import('./status-callbacks.ts')).statusCallbacksBenchmark({ callbacks: size === 'tiny' ? 200 : 10_000, concurrency: 50 }),
  'file-search': async (size) =>
    (await import('./file-search.ts')).fileSearchBenchmark(
      size === 'tiny' ? { files: 300, otherUsers: 5, otherFiles: 20, runs: 3 } : { files: 100_000, otherUsers: 50, otherFiles: 2_000, runs: 30 },
    ),
  ingest: async (size) =>
    (await import('./ingest.ts')).ingestBenchmark(
      size === 'tiny'
        ? { messages: 100, senders: 20, concurrency: 10, stored: 200, queryRuns: 3, rawWrites: 200 }
        : { messages: 10_000, senders: 2_000, concurrency: 50, stored: 100_000, queryRuns: 30, rawWrites: 5_000 },
    ),
  sends: async (size) => (await import('./sends.ts')).sendsBenchmark(size),
  console: async (size) => (await import('./console.ts')).consoleBenchmark(size === 'tiny' ? { files: 5, visits: 2 } : { files: 50, visits: 15 }),
  crash: async (size) => (await import('./crash.ts')).crashBenchmark({ uploads: crashUploads(size) }),
  'pattern-cost': async (size) =>
    (await import('./pattern-cost.ts')).patternCostBenchmark({ ruleCount: size === 'tiny' ? 100 : 1_000, runs: size === 'tiny' ? 1 : 5 }),
  voice: async (size) =>
    (await import('./voice.ts')).voiceBenchmark({
      calls: (size === 'tiny' ? 1 : 10) * voiceRate(),
      missedShare: 0.7,
      callsPerSecond: voiceRate(),
      lines: size === 'tiny' ? 3 : 10,
      consumerThreads: START_CONSUMER_THREADS,
      standInDelaySeconds: size === 'tiny' ? 2 : STANDIN_TASK_DELAY_SECONDS,
    }),
  'sdk-overhead': async (size) =>
    (await import('./sdk-overhead.ts')).sdkOverheadBenchmark(size === 'tiny' ? { requests: 200, rounds: 1 } : { requests: 5_000, rounds: 5 }),
};

/** Uploads in flight at the crash: CRASH_UPLOADS overrides the size's number (200, or 20 for tiny). */
function crashUploads(size: BenchSize): number {
  const n = Number(process.env.CRASH_UPLOADS ?? (size === 'tiny' ? 20 : 200));
  if (!(Number.isInteger(n) && n >= 3)) throw new Error('CRASH_UPLOADS is a whole number, 3 or more.');
  return n;
}

/** Calls offered per second: VOICE_RATE overrides the 100; the bench plays 10 s of them (1 s for tiny). */
function voiceRate(): number {
  const n = Number(process.env.VOICE_RATE ?? 100);
  if (!(Number.isInteger(n) && n >= 1 && n <= 1_000)) throw new Error('VOICE_RATE is a whole number of calls per second, 1 to 1000.');
  return n;
}

const run = promisify(execFile);

/**
 * Runs one benchmark in a fresh Node process: a local runtime configures its handlers from the
 * environment once per process, and figures should not depend on what ran before.
 */
async function runOne(name: string, size: BenchSize, functions: readonly string[] = []): Promise<BenchResult> {
  const args = [join(projectRoot, 'lib/bench/one.ts'), name, size, ...(functions.length ? [functions.join(',')] : [])];
  const { stdout } = await run(join(projectRoot, 'node_modules/.bin/tsx'), args, {
    cwd: projectRoot,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, LOG_LEVEL: 'ERROR' },
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as BenchResult;
}

/**
 * How many times each benchmark runs at the default size, each in a fresh process; its report
 * shows each figure's median run, with the range over the runs. The long ones run once: their
 * figures are already medians and percentiles over many samples within the run.
 */
export const defaultRuns: Record<string, number> = {
  bundles: 1,
  'rule-matching': 3,
  pipeline: 1,
  'fault-run': 1,
  cost: 3,
  throughput: 1,
  'status-callbacks': 3,
  'file-search': 1,
  ingest: 1,
  sends: 1,
  console: 1,
  crash: 1,
  'pattern-cost': 1,
  voice: 1,
};

/** Several runs of one benchmark as one result: each numeric figure from the median run, with the range over all of them. */
export function combineRuns(runs: BenchResult[]): BenchResult {
  const first = runs[0]!;
  if (runs.length === 1) return first;
  return {
    benchmark: first.benchmark,
    description: `${first.description} Figures: the median of ${runs.length} runs, each in a fresh process, with the range over them.`,
    figures: first.figures.map((figure) => {
      const same = runs.map((r) => r.figures.find((f) => f.name === figure.name));
      const values = same.map((f) => f?.value);
      if (!values.every((v): v is number => typeof v === 'number')) return figure;
      const sorted = [...values].sort((a, b) => a - b);
      const medianRun = same[values.indexOf(sorted[Math.floor((sorted.length - 1) / 2)]!)]!;
      const range = `${sorted[0]}–${sorted[sorted.length - 1]} over ${runs.length} runs`;
      return {
        ...medianRun,
        spread: medianRun.spread ? `${medianRun.spread}; ${range}` : range,
        ...(figure.met === undefined ? {} : { met: same.every((f) => f?.met === true) }),
      };
    }),
    seconds: runs.reduce((total, r) => total + r.seconds, 0),
  };
}

/**
 * Runs the chosen benchmarks in order and writes one report. `functions` (`--only a,b`) measures
 * only those functions' bundles, so one function is measured again in seconds.
 */
export async function runBenchmarks(opts: { size: BenchSize; only?: string[]; functions?: string[]; outDir?: string; runs?: number }) {
  const names = opts.only?.length ? opts.only : Object.keys(benchmarks);
  const unknown = names.filter((n) => !(n in benchmarks));
  if (unknown.length) throw new Error(`Unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}.`);
  if (opts.functions?.length) {
    if (names.some((n) => n !== 'bundles'))
      throw new Error('--only names functions, so it goes with the bundles benchmark alone: npm run bench -- bundles --only a,b');
    chosenFunctions(opts.functions);
  }
  const results: BenchResult[] = [];
  for (const name of names) {
    const times = opts.runs ?? (opts.size === 'tiny' ? 1 : (defaultRuns[name] ?? 1));
    const runs: BenchResult[] = [];
    for (let i = 0; i < times; i++) runs.push(await runOne(name, opts.size, opts.functions));
    results.push(combineRuns(runs));
  }
  const paths = writeReport(opts.outDir ?? join(projectRoot, '.bench'), results);
  return { results, paths };
}
