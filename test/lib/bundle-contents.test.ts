import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle, bundleWithInputs, onDemandPackages, onDemandPackagesOf, sdkFloorClients, writeOnDemandPackage } from '../../lib/bundling.ts';
import { App, Stack } from 'aws-cdk-lib';
import { AppFunction } from '../../lib/constructs/app-function.ts';
import { queues, type FunctionName } from '../../shared/topology.ts';
import { functions, type FunctionSpec } from '../../shared/function-specs.ts';

const names = Object.keys(functions) as FunctionName[];

/** A function that only reads: every table and object it may touch is read-only, and it sends, publishes and signs nothing. */
function readsOnly(name: FunctionName): boolean {
  const spec: FunctionSpec = functions[name];
  const accesses = [...Object.values(spec.tables ?? {}), spec.bucket, spec.media, spec.messageMedia, spec.mediaUploads].filter((a) => a !== undefined);
  const consumes = Object.values(queues).some((queue) => queue.consumer === name);
  return (
    accesses.every((access) => access === 'read') &&
    !spec.sendsTo?.length &&
    !spec.publishes?.length &&
    !spec.deletes?.length &&
    !spec.deletesMediaUploads &&
    !consumes &&
    !spec.twilio &&
    !spec.webhook &&
    !spec.handoffs &&
    !spec.configuresNumbers
  );
}

const packagesOf = (inputs: Map<string, number>) =>
  new Set([...inputs.keys()].flatMap((path) => path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? []));

// Each function's bundle as deployed (minified, tree-shaken): its code, and the packages its code comes from.
const packages = new Map<FunctionName, Set<string>>();
const codes = new Map<FunctionName, string>();
beforeAll(async () => {
  for (const name of names) {
    const { code, inputs } = await bundleWithInputs({ entry: functions[name].entry });
    packages.set(name, packagesOf(inputs));
    codes.set(name, code);
  }
}, 120_000);

describe("what each Lambda's bundle carries", () => {
  it('classes the list and get routes as read-only', () => {
    for (const name of ['list-lines', 'get-line', 'list-calls', 'get-conversation', 'list-messages', 'get-message', 'list-notifications'] as const) {
      expect(readsOnly(name), name).toBe(true);
    }
    for (const name of ['create-rule', 'update-line', 'twilio-incoming', 'voice-worker', 'message-processor', 'create-media-upload'] as const)
      expect(readsOnly(name), name).toBe(false);
  });

  it('keeps the phone library and the twilio package out of every read-only function', () => {
    const carrying = names
      .filter(readsOnly)
      .flatMap((name) => ['libphonenumber-js', 'twilio'].filter((pkg) => packages.get(name)!.has(pkg)).map((pkg) => `${name}: ${pkg}`));
    expect(carrying).toEqual([]);
  });

  it('keeps the phone library out of the voice webhook, which takes numbers as Twilio sends them', () => {
    expect(packages.get('twilio-voice')!.has('libphonenumber-js')).toBe(false);
  });

  it('measures each function against a floor of exactly the AWS SDK clients its bundle loads', () => {
    for (const name of names) {
      const loaded = [...packages.get(name)!].flatMap((pkg) => pkg.match(/^@aws-sdk\/client-(.+)$/)?.[1] ?? []).sort();
      expect(loaded, name).toEqual([...sdkFloorClients(name)].sort());
    }
  });

  it('keeps the on-demand packages out of every bundle, and ships each beside every bundle that requires it', () => {
    for (const name of names) {
      expect(
        onDemandPackages.filter((pkg) => packages.get(name)!.has(pkg)),
        name,
      ).toEqual([]);
      const required = onDemandPackages.filter((pkg) => codes.get(name)!.includes(JSON.stringify(pkg)));
      expect(required, name).toEqual(onDemandPackagesOf(functions[name]));
    }
    expect(onDemandPackagesOf(functions['create-rule'])).toEqual(['re2js']);
  });
});

describe('an on-demand package, as a function loads it', () => {
  it('is required from beside the bundle the first time a pattern is compiled, and not before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'on-demand-test-'));
    try {
      const bytes = writeOnDemandPackage('re2js', dir);
      expect(bytes).toBeGreaterThan(50_000);
      const code = await bundle({
        contents: ["import { compileUserPattern, patternFinds } from './shared/domain/user-pattern.ts';", 'export { compileUserPattern, patternFinds };'].join(
          '\n',
        ),
      });
      writeFileSync(join(dir, 'index.mjs'), code);
      const handler = await import(join(dir, 'index.mjs'));
      expect(Object.keys(createRequire(join(dir, 'index.mjs')).cache).filter((file) => file.startsWith(dir))).toEqual([]);
      expect(handler.patternFinds('^q[0-9]-report', 'q3-report.pdf')).toBe(true);
      expect(Object.keys(createRequire(join(dir, 'index.mjs')).cache).filter((file) => file.startsWith(dir))).toEqual([
        join(dir, 'node_modules/re2js/index.mjs'),
      ]);
      expect(() => handler.compileUserPattern('(a)\\1')).toThrow(/cannot be used/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the deployed package of a function that compiles patterns', () => {
  it('holds the bundle and, beside it, the pattern engine the CDK bundling wrote', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-on-demand-'));
    try {
      const app = new App({ outdir });
      new AppFunction(new Stack(app, 'Bundled'), 'CreateRule', { spec: functions['create-rule'], serviceName: 'test' });
      app.synth();
      const [asset] = readdirSync(outdir).filter((entry) => entry.startsWith('asset.'));
      const dir = join(outdir, asset!);
      expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, 'node_modules/re2js/package.json'), 'utf8'))).toEqual({ name: 're2js', main: 'index.mjs' });
      const { RE2JS } = createRequire(join(dir, 'index.mjs'))('re2js') as typeof import('re2js');
      expect(RE2JS.compile('^q[0-9]').matcher('q3.pdf').find()).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);
});
