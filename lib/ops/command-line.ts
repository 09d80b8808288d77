import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
const help = { help: { type: 'boolean', short: 'h', default: false } } as const;

/**
 * Parses an operator command's arguments the same way for every command: `--help` (or `-h`)
 * prints `usage` and exits 0; an unknown option or a missing value prints what is wrong and
 * the usage, and exits 2.
 */
export function parseCommandLine<O extends Options>(usage: string, options: O) {
  const config = { options: { ...options, ...help }, allowPositionals: true, strict: true } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return parsed;
}
