import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { commonEnv, queues, tables } from '../../shared/topology.ts';

const root = resolve(import.meta.dirname, '../..');

/** Every environment variable name the topology declares. */
const declared = new Set<string>([
  ...Object.values(commonEnv),
  ...Object.values(tables).map((table) => table.envVar),
  ...Object.values(queues).flatMap((queue) => [queue.envVar, queue.dlqEnvVar]),
]);

/** The code that sets or reads those variables: the handlers, what they share, and what deploys or runs them. */
const checked = [
  ...['shared', 'functions', 'lib/constructs'].flatMap((folder) =>
    readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(folder, name)),
  ),
  'lib/stack.ts',
  'lib/observability.ts',
  'lib/bundling.ts',
  'lib/local/runtime.ts',
].filter((file) => file !== join('shared', 'topology.ts'));

/**
 * The places a file spells a declared name itself: a string literal, an object key (a config
 * schema's or an environment's), or a read of an `env` object. A property read on a parsed config
 * is left alone: its type comes from a schema keyed by the topology, so a renamed variable fails
 * the type check there.
 */
function respellings(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const note = (node: ts.Node, name: string) => {
    if (declared.has(name)) found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${name}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) note(node, node.text);
    else if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) note(node.name, node.name.text);
    else if (ts.isPropertyAccessExpression(node) && /(^|\.)env$/.test(node.expression.getText(source))) note(node.name, node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('environment variable names', () => {
  it('are spelled only in the topology', () => {
    expect(checked.flatMap(respellings)).toEqual([]);
  });

  it('finds a name spelled as a key, a string or an env read', () => {
    expect(declared.has('FILES_TABLE')).toBe(true);
  });
});
