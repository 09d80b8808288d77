// Runs the ingest benchmark's query part in this process and prints its figures as the last line of stdout.
import { queryBenchmarkPart } from './ingest.ts';

const [stored, queryRuns] = process.argv.slice(2).map(Number);
if (!Number.isInteger(stored) || !Number.isInteger(queryRuns) || stored! < 1 || queryRuns! < 1) {
  process.stderr.write('usage: ingest-queries.ts <stored messages> <runs per filter>\n');
  process.exit(2);
}
const figures = await queryBenchmarkPart({ stored: stored!, queryRuns: queryRuns! });
process.stdout.write(`\n${JSON.stringify(figures)}\n`);
process.exit(0);
