import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildSync } from 'esbuild';
import { busEvents, commonEnv, queues, tables, type FunctionName } from '../shared/topology.ts';
import { functions, type FunctionSpec } from '../shared/function-specs.ts';

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

/**
 * Packages left out of every bundle. A function that uses one (`FunctionSpec.patterns`, for
 * re2js) carries it beside its bundle, minified, as `node_modules/<name>`, and loads it the first
 * time it is needed (`shared/domain/user-pattern.ts`): a cold start does not read it, and a
 * request that does not need it never does.
 */
const onDemandUsers = { re2js: (spec: FunctionSpec) => spec.patterns === true } as const;
export const onDemandPackages = Object.keys(onDemandUsers) as Array<keyof typeof onDemandUsers>;

/** The on-demand packages a function carries beside its bundle. */
export const onDemandPackagesOf = (spec: FunctionSpec): string[] => onDemandPackages.filter((name) => onDemandUsers[name](spec));

/**
 * Writes an on-demand package where Node's `require` finds it from a bundle in `outputDir`:
 * `node_modules/<name>/index.mjs`, the package's ES module build minified (Node requires an ES
 * module synchronously; measured, that loads in 8 ms where the minified CommonJS build takes 12),
 * and a package.json naming it. Synchronous, so the CDK's constructs can stage it while they are
 * built. Returns the file's size in bytes.
 */
export function writeOnDemandPackage(name: string, outputDir: string): number {
  const dir = join(outputDir, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  buildSync({
    stdin: { contents: `export * from ${JSON.stringify(name)};`, resolveDir: projectRoot, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    target: lambdaBundling.target,
    outfile: join(dir, 'index.mjs'),
    logLevel: 'silent',
  });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, main: 'index.mjs' })}\n`);
  return statSync(join(dir, 'index.mjs')).size;
}

/**
 * Where the CDK app stages the on-demand packages, relative to the project root, for the bundling
 * of each function that uses one to copy beside its bundle: inside the project, so Docker bundling
 * (which sees the project as /asset-input) copies them too.
 */
export const onDemandStagingDir = 'node_modules/.cache/on-demand';

type BundleInput = { entry: string } | { contents: string };

async function buildLambda(input: BundleInput, metafile: boolean) {
  return build({
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
    external: [...onDemandPackages],
    write: false,
    logLevel: 'silent',
    metafile,
    // A metafile names its output after the output directory; nothing is written.
    ...(metafile ? { outdir: join(tmpdir(), 'bundle-meta') } : {}),
  });
}

/** Bundles one source file (or inline source) the way Lambda functions are bundled; returns the code. */
export async function bundle(input: BundleInput): Promise<string> {
  return (await buildLambda(input, false)).outputFiles[0]!.text;
}

/**
 * A bundle's code, and the files (relative to the project root, packages under `node_modules/`)
 * it holds code from, with the bytes each adds; a file imported but shaken out entirely is left out.
 */
export async function bundleWithInputs(input: BundleInput): Promise<{ code: string; inputs: Map<string, number> }> {
  const { metafile, outputFiles } = await buildLambda(input, true);
  const [output] = Object.values(metafile!.outputs);
  return {
    code: outputFiles!.find((f) => f.path.endsWith('.js'))!.text,
    inputs: new Map(
      Object.entries(output!.inputs)
        .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
        .map(([path, { bytesInOutput }]) => [path, bytesInOutput]),
    ),
  };
}

/** The AWS SDK clients a floor bundle may hold, by the package each comes from. */
const floorClients = {
  dynamodb: [
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    'export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
  ],
  s3: ["import { S3Client } from '@aws-sdk/client-s3';", 'export const s3 = new S3Client({});'],
  sqs: ["import { SQSClient } from '@aws-sdk/client-sqs';", 'export const sqs = new SQSClient({});'],
  'secrets-manager': ["import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';", 'export const sm = new SecretsManagerClient({});'],
} as const;

export type SdkClient = keyof typeof floorClients;

/**
 * The AWS SDK clients (`@aws-sdk/client-…`) a function's declared access needs: DynamoDB for its
 * tables; S3 for the upload bucket, the inbound media or the message media; SQS for the queues it
 * sends to or consumes (a consumer defers and retries through SQS), the bus events it publishes
 * (each through its queue) and the queue figures it reads; Secrets Manager for the Twilio
 * credentials, the key that signs cursors (paged lists) and the key that signs hand-off events.
 */
export function sdkFloorClients(name: FunctionName): SdkClient[] {
  const spec: FunctionSpec = functions[name];
  const consumes = Object.values(queues).some((queue) => queue.consumer === name);
  const clients: SdkClient[] = [];
  if (spec.tables) clients.push('dynamodb');
  if (spec.bucket || spec.media || spec.messageMedia || spec.mediaUploads) clients.push('s3');
  if (spec.sendsTo?.length || consumes || spec.publishes?.length || spec.queueStats) clients.push('sqs');
  if (spec.twilio || spec.pages || spec.handoffs) clients.push('secrets-manager');
  return clients;
}

/**
 * A bundle of only the AWS SDK clients a function's declared access needs: the floor its own
 * bundle is compared with, since no handler can start faster than the clients it must load.
 */
export function sdkFloorSource(name: FunctionName): string {
  return (
    sdkFloorClients(name)
      .flatMap((client) => floorClients[client])
      .join('\n') || 'export {};'
  );
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

/** Milliseconds a fresh Node process takes to run `code`, after `setup` (an ES module's body; probeEnv's environment). */
function probeMs(code: string, setup = ''): number {
  const probe = `${setup}const t=performance.now();${code}process.stdout.write(String(performance.now()-t));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { env: probeEnv(), stdio: ['ignore', 'pipe', 'pipe'] }).toString());
}

/**
 * Milliseconds to import each bundle in a fresh Node process, turn by turn: `[turn][bundle]`.
 * The bundles take turns, each turn in the opposite order to the last, so that whatever else the
 * machine does meanwhile weighs on all of them alike.
 */
export function requireTurnsMs(codes: string[], runs = 5): number[][] {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  try {
    const files = codes.map((code, i) => {
      const file = join(dir, `bundle-${i}.mjs`);
      writeFileSync(file, code);
      return file;
    });
    const turns: number[][] = [];
    for (let run = 0; run < runs; run++) {
      const turn: number[] = [];
      const order = files.map((_, i) => i);
      if (run % 2 === 1) order.reverse();
      for (const i of order) {
        turn[i] = probeMs(`await import(${JSON.stringify(files[i]!)});`);
      }
      turns.push(turn);
    }
    return turns;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

export interface BundleFigures {
  name: FunctionName;
  bytes: number;
  floorBytes: number;
  requireMs?: number;
  floorRequireMs?: number;
  /**
   * Require time against the floor: the median over the turns of the bundle's time over the
   * floor's in the same turn, which a busy moment of the machine slows alike.
   */
  requireRatio?: number;
  /** Bytes of the on-demand packages shipped beside the bundle (`onDemandPackagesOf`). */
  onDemandBytes: number;
}

function requireFigures(code: string, floor: string, runs: number | undefined) {
  const turns = requireTurnsMs([code, floor], runs);
  return {
    requireMs: median(turns.map(([bundle]) => bundle!)),
    floorRequireMs: median(turns.map(([, floorMs]) => floorMs!)),
    requireRatio: median(turns.map(([bundle, floorMs]) => bundle! / floorMs!)),
  };
}

const onDemandSizes = new Map<string, number>();

/** Bytes of an on-demand package as shipped, built once per process. */
function onDemandBytes(name: string): number {
  let bytes = onDemandSizes.get(name);
  if (bytes === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'on-demand-'));
    try {
      bytes = writeOnDemandPackage(name, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    onDemandSizes.set(name, bytes);
  }
  return bytes;
}

/**
 * Milliseconds to require an on-demand package as a function does on first need, in a fresh
 * Node process, the median of `runs`; and its size in bytes.
 */
export function onDemandLoad(name: string, runs = 5): { bytes: number; requireMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'on-demand-'));
  try {
    const bytes = writeOnDemandPackage(name, dir);
    const requireIt = `createRequire(${JSON.stringify(join(dir, 'index.mjs'))})(${JSON.stringify(name)});`;
    const times = Array.from({ length: runs }, () => probeMs(requireIt, "const { createRequire } = await import('node:module');"));
    return { bytes, requireMs: median(times) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
    const floor = await bundle({ contents: sdkFloorSource(name) });
    figures.push({
      name,
      bytes: Buffer.byteLength(code),
      floorBytes: Buffer.byteLength(floor),
      onDemandBytes: onDemandPackagesOf(spec).reduce((total, pkg) => total + onDemandBytes(pkg), 0),
      ...(opts.requireTime ? requireFigures(code, floor, opts.runs) : {}),
    });
  }
  return figures;
}
