// Runs the ingest benchmark's query part in this process and prints its figures as the last line of stdout.

// As in one.ts: the synthetic user's API bucket would measure itself instead of the system.
process.env.USER_RATE_PER_SECOND ??= '1000000';
process.env.USER_RATE_BURST ??= '1000000';

const [stored, queryRuns] = process.argv.slice(2).map(Number);
if (!Number.isInteger(stored) || !Number.isInteger(queryRuns) || stored! < 1 || queryRuns! < 1) {
  process.stderr.write('usage: ingest-queries.ts <stored messages> <runs per filter>\n');
  process.exit(2);
}
// Imported only now, so the handlers read the environment set above.
const { queryBenchmarkPart } = await import('./ingest.ts');
const figures = await queryBenchmarkPart({ stored: stored!, queryRuns: queryRuns! });
process.stdout.write(`\n${JSON.stringify(figures)}\n`);
process.exit(0);
