import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { busEvents, commonEnv, functions, queues, tables, type FunctionName, type FunctionSpec } from '../shared/topology.ts';

const projectRoot = fileURLToPath(new URL('../', import.meta.url));

/**
 * How every Lambda is bundled; the CDK function construct and the bundle measurements both
 * use these, so the figures describe what is deployed.
 */
export const lambdaBundling = {
  minify: true,
  target: 'node24',
  // ESM keeps top-level await available; the banner gives the CJS dependencies (twilio's
  // webhook module) the `require` that esbuild's ESM output lacks.
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
} as const;

/** Bundles one source file (or inline source) the way Lambda functions are bundled; returns the code. */
export async function bundle(input: { entry: string } | { contents: string }): Promise<string> {
  const result = await build({
    ...('entry' in input
      ? { entryPoints: [resolve(projectRoot, input.entry)] }
      : { stdin: { contents: input.contents, resolveDir: projectRoot, loader: 'ts' } }),
    bundle: true,
    platform: 'node',
    minify: lambdaBundling.minify,
    target: lambdaBundling.target,
    format: lambdaBundling.format,
    mainFields: [...lambdaBundling.mainFields],
    banner: { js: lambdaBundling.banner },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * A bundle of only the AWS SDK clients a function's declared access needs: the floor its own
 * bundle is compared with, since no handler can start faster than the clients it must load.
 */
export function sdkFloorSource(spec: FunctionSpec): string {
  const lines: string[] = [];
  if (spec.tables) {
    lines.push("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';");
    lines.push("import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';");
    lines.push('export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));');
  }
  if (spec.bucket || spec.media) {
    lines.push("import { S3Client } from '@aws-sdk/client-s3';");
    lines.push('export const s3 = new S3Client({});');
  }
  if (spec.sendsTo?.length) {
    lines.push("import { SQSClient } from '@aws-sdk/client-sqs';");
    lines.push('export const sqs = new SQSClient({});');
  }
  if (spec.twilio) {
    lines.push("import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';");
    lines.push('export const sm = new SecretsManagerClient({});');
  }
  return lines.join('\n') || 'export {};';
}

/** Placeholder configuration, so a handler's cold-start config check passes without AWS. */
function probeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, AWS_REGION: 'us-east-1', [commonEnv.logLevel]: 'ERROR' };
  for (const t of Object.values(tables)) env[t.envVar] = t.name;
  for (const q of Object.values(queues)) {
    env[q.envVar] = `https://sqs.us-east-1.amazonaws.com/000000000000/${q.name}`;
    env[q.dlqEnvVar] = `https://sqs.us-east-1.amazonaws.com/000000000000/${q.name}-dlq`;
  }
  for (const e of Object.values(busEvents)) env[e.envVar] = `https://sqs.us-east-1.amazonaws.com/000000000000/${e.queueName}`;
  env[commonEnv.bucket] = 'bucket';
  env[commonEnv.publicBaseUrl] = 'https://example.com';
  env[commonEnv.twilioFromNumber] = '+15005550006';
  return env;
}

/**
 * Milliseconds to import each bundle in a fresh Node process, the median of `runs` each. The
 * bundles take turns, so that whatever else the machine does meanwhile weighs on all of them alike.
 */
export function requireTimesMs(codes: string[], runs = 5): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  try {
    const files = codes.map((code, i) => {
      const file = join(dir, `bundle-${i}.mjs`);
      writeFileSync(file, code);
      return file;
    });
    const times: number[][] = codes.map(() => []);
    for (let run = 0; run < runs; run++) {
      files.forEach((file, i) => {
        const probe = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`;
        times[i]!.push(
          Number(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { env: probeEnv(), stdio: ['ignore', 'pipe', 'pipe'] }).toString()),
        );
      });
    }
    return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface BundleFigures {
  name: FunctionName;
  bytes: number;
  floorBytes: number;
  requireMs?: number;
  floorRequireMs?: number;
}

const requireFigures = ([requireMs, floorRequireMs]: number[]) => ({ requireMs, floorRequireMs });

/** The functions named (all when none are), each checked against the topology. */
export function chosenFunctions(names: readonly string[] = []): Array<[FunctionName, FunctionSpec]> {
  const unknown = names.filter((n) => !Object.hasOwn(functions, n));
  if (unknown.length) throw new Error(`Unknown function ${unknown.join(', ')}; known: ${Object.keys(functions).join(', ')}.`);
  const all = Object.entries(functions) as Array<[FunctionName, FunctionSpec]>;
  return names.length ? all.filter(([name]) => names.includes(name)) : all;
}

/** Bundle size (and, if asked, require time) of every function (or those named) and of its SDK floor. */
export async function measureBundles(opts: { requireTime?: boolean; runs?: number; only?: readonly string[] } = {}): Promise<BundleFigures[]> {
  const figures: BundleFigures[] = [];
  for (const [name, spec] of chosenFunctions(opts.only)) {
    const code = await bundle({ entry: spec.entry });
    const floor = await bundle({ contents: sdkFloorSource(spec) });
    figures.push({
      name,
      bytes: Buffer.byteLength(code),
      floorBytes: Buffer.byteLength(floor),
      ...(opts.requireTime ? requireFigures(requireTimesMs([code, floor], opts.runs)) : {}),
    });
  }
  return figures;
}
