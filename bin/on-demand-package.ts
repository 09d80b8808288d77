import { onDemandPackages, writeOnDemandPackage } from '../lib/bundling.ts';

// Writes on-demand packages beside a function's bundle; the CDK's bundling runs it after esbuild
// (lib/constructs/app-function.ts): `tsx bin/on-demand-package.ts <output dir> <package>...`.
const [outputDir, ...names] = process.argv.slice(2);
const unknown = names.filter((name) => !(onDemandPackages as readonly string[]).includes(name));
if (!outputDir || names.length === 0 || unknown.length > 0) {
  process.stderr.write(`usage: tsx bin/on-demand-package.ts <output dir> <${onDemandPackages.join('|')}>...\n`);
  process.exit(2);
}
for (const name of names) await writeOnDemandPackage(name, outputDir);
