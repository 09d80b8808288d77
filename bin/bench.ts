import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runBenchmarks, type BenchSize } from '../lib/bench/run.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { size: { type: 'string', default: 'default' }, out: { type: 'string' }, runs: { type: 'string' }, only: { type: 'string' } },
});
if (values.size !== 'default' && values.size !== 'tiny') throw new Error('--size is "default" or "tiny".');
const runs = values.runs === undefined ? undefined : Number(values.runs);
if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1)) throw new Error('--runs is a whole number, 1 or more.');

// `--only a,b`: the bundles benchmark for those functions alone.
const functions = values.only
  ?.split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const { paths } = await runBenchmarks({ size: values.size as BenchSize, only: positionals, functions, outDir: values.out, runs });
process.stdout.write(readFileSync(paths.markdown, 'utf8'));
process.stdout.write(`\nReport: ${paths.markdown} and ${paths.json}\n`);
process.exit(0);
