// Runs one part of the sends benchmark in this process and prints its figures as the last line of stdout.
import type { BenchSize } from './run.ts';
import { parts, sendsSizes } from './sends.ts';

const [part, size] = process.argv.slice(2) as [keyof typeof parts, BenchSize];
if (!(part in parts) || !(size in sendsSizes)) {
  process.stderr.write(`usage: sends-part.ts <${Object.keys(parts).join('|')}> <tiny|default>\n`);
  process.exit(2);
}
const sizes = sendsSizes[size];
const figures =
  part === 'scheduling' ? await parts.scheduling(sizes.scheduled) : part === 'priority' ? await parts.priority(sizes.priority) : await parts.batch(sizes.batch);
process.stdout.write(`\n${JSON.stringify(figures)}\n`);
process.exit(0);
