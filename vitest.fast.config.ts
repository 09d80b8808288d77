import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * `npm run test:fast`: the inner loop. The domain, schema, wrapper and adapter tests (the adapters
 * against the embedded engines), without the long property runs and the 100,000-file search, which
 * the whole suite (`npm test`) still runs.
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/shared/**/*.test.ts'],
    exclude: ['test/shared/adapters/notification-status-sequences.test.ts', 'test/shared/adapters/dynamo-file-search.test.ts'],
    // Files share their workers instead of a fresh process each: most of the time a file would
    // take is the process start and the imports, not its tests.
    pool: 'threads',
    isolate: false,
  },
});
