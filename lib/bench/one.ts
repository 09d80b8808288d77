// Runs one benchmark in this process and prints its result as the last line of stdout.
import { benchmarks, type BenchSize } from './run.ts';

// A benchmark drives the system as one synthetic user at full speed; each user's API bucket
// (USER_RATE_PER_SECOND, shared/user-route.ts) would measure itself instead of the system.
process.env.USER_RATE_PER_SECOND ??= '1000000';
process.env.USER_RATE_BURST ??= '1000000';

const [name, size, functions] = process.argv.slice(2);
const benchmark = benchmarks[name ?? ''];
if (!benchmark || (size !== 'tiny' && size !== 'default')) {
  process.stderr.write(`usage: one.ts <${Object.keys(benchmarks).join('|')}> <tiny|default> [function,…]\n`);
  process.exit(2);
}
const result = await benchmark(size as BenchSize, functions?.split(','));
process.stdout.write(`\n${JSON.stringify(result)}\n`);
process.exit(0);
