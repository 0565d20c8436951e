import { buildSync, type BuildOptions } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The page's build (A21): `site/` as it is, except `site/src/`, whose TypeScript (app.ts and what it
 * imports — the shared routes, header names and messages from lib/names.ts and lambda/shared/) is
 * bundled by esbuild into one `app.js`. The result is what the SiteContent stack's BucketDeployment
 * ships, so `cdk synth`, `npm start` (which synthesizes) and the pipeline all build it the same way.
 */

const ROOT = path.resolve(__dirname, '..');
export const SITE_DIR = path.join(ROOT, 'site');
const SITE_SOURCE_DIR = path.join(SITE_DIR, 'src');
const SITE_BUILD_ROOT = path.join(ROOT, '.build', 'site');

/** The page's esbuild options: one minified ES module for current browsers. */
const SITE_BUNDLE_OPTIONS: BuildOptions = {
  entryPoints: [path.join(SITE_SOURCE_DIR, 'app.ts')],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  minify: true,
  treeShaking: true,
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
};

/** The files of `site/` to ship as they are (relative path → contents); `src/` is built, not shipped. */
function staticFiles(dir = SITE_DIR, prefix = ''): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (relative === 'src') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const [name, contents] of staticFiles(full, relative)) files.set(name, contents);
    else if (statSync(full).isFile()) files.set(relative, readFileSync(full));
  }
  return files;
}

let built: string | undefined;

/**
 * Builds the site into `.build/site/<content hash>/` and returns that folder. The folder is named by
 * its contents and written whole by rename, so parallel test workers and both regions' stacks share
 * one build and nobody reads a half-written one.
 */
export function buildSite(): string {
  if (built) return built;
  const result = buildSync({ ...SITE_BUNDLE_OPTIONS, write: false, outfile: path.join(SITE_BUILD_ROOT, 'app.js') });
  const files = staticFiles();
  if (files.has('app.js')) throw new Error('site/app.js must not exist: the page is built from site/src/app.ts');
  files.set('app.js', Buffer.from(result.outputFiles[0].contents));
  const hash = createHash('sha256');
  for (const name of [...files.keys()].sort()) hash.update(name).update('\0').update(files.get(name)!).update('\0');
  const dir = path.join(SITE_BUILD_ROOT, hash.digest('hex').slice(0, 16));
  if (!existsSync(dir)) {
    const temporary = `${dir}.${process.pid}.tmp`;
    rmSync(temporary, { recursive: true, force: true });
    for (const [name, contents] of files) {
      mkdirSync(path.dirname(path.join(temporary, name)), { recursive: true });
      writeFileSync(path.join(temporary, name), contents);
    }
    try {
      renameSync(temporary, dir);
    } catch (error) {
      rmSync(temporary, { recursive: true, force: true });
      if (!existsSync(dir)) throw error;
    }
  }
  built = dir;
  return dir;
}
