import { beforeAll, describe, expect, it } from 'vitest';
import { bundleInputs, sdkFloorClients } from '../../lib/bundling.ts';
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

// Each function's bundle as deployed (minified, tree-shaken), by the files its code comes from.
const packages = new Map<FunctionName, Set<string>>();
beforeAll(async () => {
  for (const name of names) packages.set(name, packagesOf(await bundleInputs({ entry: functions[name].entry })));
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
});
