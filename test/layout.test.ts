import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/**
 * Folders depend one way: the top-level folders' imports (type imports too) form no cycle, so each
 * folder can be read, and changed, knowing only the folders it imports. The README's Layout section
 * lists every folder with source code, and what each imports, as the code has it.
 */

const ROOT = path.resolve(__dirname, '..');
const sources = execFileSync('git', ['ls-files', '*.ts', '*.mjs', '*.js'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((file) => file.includes('/') && !file.includes('.snapshot/'));
const topOf = (file: string) => file.split('/')[0];

/** For each top-level folder, the other top-level folders it imports, with one importing file as the example. */
function folderImports(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sources) {
    const from = topOf(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = topOf(path.relative(ROOT, path.resolve(ROOT, path.dirname(file), fileName)));
      if (to !== from && !edges.has(to)) edges.set(to, `${file} → ${fileName}`);
    }
  }
  return graph;
}

/** One cycle through the graph, as the folders in order, or undefined when there is none. */
function findCycle(graph: Map<string, Map<string, string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (folder: string): string[] | undefined => {
    if (state.get(folder) === 'done') return undefined;
    if (state.get(folder) === 'open') return [...stack.slice(stack.indexOf(folder)), folder];
    state.set(folder, 'open');
    stack.push(folder);
    for (const next of graph.get(folder)?.keys() ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(folder, 'done');
    return undefined;
  };
  for (const folder of graph.keys()) {
    const cycle = visit(folder);
    if (cycle) return cycle;
  }
  return undefined;
}

test('the import graph finds a cycle when there is one', () => {
  const graph = new Map([
    ['lib', new Map([['stages', 'lib/a.ts → ../stages/b']])],
    ['stages', new Map([['cli', 'stages/b.ts → ../cli/c']])],
    ['cli', new Map([['lib', 'cli/c.ts → ../lib/a']])],
  ]);
  expect(findCycle(graph)).toEqual(['lib', 'stages', 'cli', 'lib']);
  graph.get('cli')!.clear();
  expect(findCycle(graph)).toBeUndefined();
});

test('no two top-level folders import each other, directly or in a loop', () => {
  const graph = folderImports();
  const cycle = findCycle(graph);
  const explained = cycle?.slice(1).map((to, index) => graph.get(cycle[index])!.get(to));
  expect(explained).toBeUndefined();
});

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));

test("the README's Layout section names every top-level folder with source code", () => {
  for (const folder of new Set(sources.map(topOf))) if (!folder.startsWith('.')) expect(layout).toMatch(new RegExp(`^${folder}/`, 'm'));
});

test("what the README says each folder imports is what it imports (lib and lambda import none of the project's folders)", () => {
  const stated = Object.fromEntries(
    [...layout.matchAll(/^(\w+) +→ (.+)$/gm)].map(([, folder, imports]) => [folder, imports === '(nothing)' ? [] : imports.split(', ')]),
  );
  const actual = Object.fromEntries(
    [...folderImports()].filter(([folder]) => folder !== 'test' && !folder.startsWith('.')).map(([folder, edges]) => [folder, [...edges.keys()].sort()]),
  );
  expect(stated).toEqual(actual);
  expect(actual.lib).toEqual([]);
  expect(actual.lambda).toEqual([]);
});
