import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runBenchmarks, type BenchSize } from '../lib/bench/run.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { size: { type: 'string', default: 'default' }, out: { type: 'string' } },
});
if (values.size !== 'default' && values.size !== 'tiny') throw new Error('--size is "default" or "tiny".');

const { paths } = await runBenchmarks({ size: values.size as BenchSize, only: positionals, outDir: values.out });
process.stdout.write(readFileSync(paths.markdown, 'utf8'));
process.stdout.write(`\nReport: ${paths.markdown} and ${paths.json}\n`);
process.exit(0);
