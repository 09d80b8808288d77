// Schemas use zod's tree-shakable build (`import * as z from 'zod/mini'`): the classic build adds
// ~440 KB to every Lambda bundle (esbuild, minified), more than the AWS SDK clients a function
// loads. Mini ships no messages, so the English ones are loaded here, once per process; config.ts
// imports this module, and every function reads its config at cold start, before any parse.
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

/** The issues of a failed parse, as every zod error carries them. */
export interface ValidationIssues {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}
