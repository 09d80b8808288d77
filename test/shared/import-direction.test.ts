import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** Every TypeScript file under a folder of the project, as paths from the project root. */
function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name));
}

/**
 * The project folders a file's relative imports land in (static, type-only, re-exports and dynamic
 * `import()` alike), each with the specifier that reached it. Package imports are not the project's.
 */
function importedFolders(file: string): { specifier: string; folder: string }[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ specifier, folder: relative(root, resolve(root, dirname(file), specifier)).split(sep)[0]! }));
}

/** Where each top-level folder of the runtime code may reach: dependencies point functions → shared, never into lib/. */
const allowed: Record<string, string[]> = {
  shared: ['shared'],
  functions: ['functions', 'shared'],
};

describe('import direction', () => {
  for (const [folder, reachable] of Object.entries(allowed)) {
    it(`keeps ${folder}/ importing only from ${reachable.map((name) => `${name}/`).join(' and ')} (never lib/, bin/ or test/)`, () => {
      const files = sourceFiles(folder);
      expect(files.length).toBeGreaterThan(0);
      const outside = files.flatMap((file) =>
        importedFolders(file)
          .filter(({ folder: target }) => !reachable.includes(target))
          .map(({ specifier }) => `${file} imports ${specifier}`),
      );
      expect(outside).toEqual([]);
    });
  }

  it('sees an import that leaves the folder', () => {
    const { importedFiles } = ts.preProcessFile("import type { X } from '../../lib/stack.ts';\nconst m = await import('../lib/a.ts');", true, true);
    expect(importedFiles.map(({ fileName }) => fileName)).toEqual(['../../lib/stack.ts', '../lib/a.ts']);
  });
});
