import { beforeAll, describe, expect, it } from 'vitest';
import { bundleInputs, sdkFloorClients } from '../../lib/bundling.ts';
import { functions, type FunctionName } from '../../shared/topology.ts';

const names = Object.keys(functions) as FunctionName[];

const packagesOf = (inputs: Map<string, number>) =>
  new Set([...inputs.keys()].flatMap((path) => path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? []));

// Each function's bundle as deployed (minified, tree-shaken), by the files its code comes from.
const packages = new Map<FunctionName, Set<string>>();
beforeAll(async () => {
  for (const name of names) packages.set(name, packagesOf(await bundleInputs({ entry: functions[name].entry })));
}, 120_000);

describe("what each Lambda's bundle carries", () => {
  it('measures each function against a floor of exactly the AWS SDK clients its bundle loads', () => {
    for (const name of names) {
      const loaded = [...packages.get(name)!].flatMap((pkg) => pkg.match(/^@aws-sdk\/client-(.+)$/)?.[1] ?? []).sort();
      expect(loaded, name).toEqual([...sdkFloorClients(name)].sort());
    }
  });
});
