import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A fork is this repository alone: nothing it ships may point outside it, and the requirement IDs
 * the code cites are defined in its own docs/requirements.md.
 */

const ROOT = path.resolve(__dirname, '..');
const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
/** CI's entry point is the one file that may know about the workplace around the repository. */
const shipped = tracked.filter((file) => !file.startsWith('.ci/') && !/\.(png|ico|jpg|gz)$/.test(file) && file !== 'test/repo-stands-alone.test.ts');
const text = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

test('no tracked file outside .ci/ refers to ../shared, SPEC.md or TOOLCHAIN.md', () => {
  const offenders = shipped.filter((file) => /\.\.\/shared|SPEC\.md|TOOLCHAIN\.md|\bSPEC [§A-Z]/.test(text(file)));
  expect(offenders).toEqual([]);
});

test('every requirement ID a source file cites in parentheses is defined in docs/requirements.md', () => {
  const defined = new Set([...text('docs/requirements.md').matchAll(/^\| ([PAELQT]\d+) \|/gm)].map((match) => match[1]));
  expect(defined.size).toBeGreaterThanOrEqual(50);
  const cited = new Map<string, string>();
  for (const file of shipped.filter((name) => /\.(ts|mjs|js|yml|md)$/.test(name) && !name.includes('.snapshot/'))) {
    for (const match of text(file).matchAll(/\((?:[^()]*?[ ,])?([PAELQT][1-9]\d?)(?=[,;) ])/g)) cited.set(match[1], file);
  }
  const undefinedIds = [...cited].filter(([id]) => !defined.has(id)).map(([id, file]) => `${id} (${file})`);
  expect(undefinedIds).toEqual([]);
});

test('the README links the project\'s own docs', () => {
  const readme = text('README.md');
  for (const doc of ['docs/requirements.md', 'docs/design.md', 'docs/toolchain.md']) {
    expect(readme).toContain(`](${doc})`);
    expect(tracked).toContain(doc);
  }
});

test('every file or folder of the repository the README and docs/ name exists', () => {
  const folders = new Set(tracked.filter((file) => file.includes('/')).map((file) => file.split('/')[0]));
  const missing: string[] = [];
  for (const doc of ['README.md', ...tracked.filter((file) => file.startsWith('docs/'))]) {
    for (const [, named] of text(doc).matchAll(/`([\w.-]+\/[\w./-]*)(?:[:#][^`]*)?`/g)) {
      if (!folders.has(named.split('/')[0]) || !/(\.\w+|\/)$/.test(named)) continue;
      // Checked against what git tracks, so a fresh clone agrees; outputs git ignores (bench/results/) are fine.
      const known = tracked.some((file) => file === named || file.startsWith(named.endsWith('/') ? named : `${named}/`));
      if (!known && !isIgnored(named)) missing.push(`${doc}: ${named}`);
    }
  }
  expect(missing).toEqual([]);
});

function isIgnored(file: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', file], { cwd: ROOT });
    return true;
  } catch {
    return false;
  }
}
