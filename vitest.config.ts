import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The console's component tests (*.test.tsx) pick their DOM environment with a
    // `// @vitest-environment happy-dom` line; every other test runs in node as before.
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    // Synthesizing the whole stack in a beforeAll takes seconds on a quiet machine and minutes on a crowded one.
    hookTimeout: 180_000,
    pool: 'forks',
    // Handlers' log lines (activity included) stay out of the test output; LOG_LEVEL=INFO shows them.
    // Metrics are not written as EMF lines either; tests that look at them install their own sink.
    env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
