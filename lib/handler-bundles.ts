import { buildSync, type BuildOptions } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Every Lambda handler: `lambda/<name>.ts` exports `handler`. */
export const HANDLERS = ['health', 'login', 'hello', 'click', 'views', 'counter', 'dlq-replay', 'ingest', 'notifier'] as const;
export type HandlerName = (typeof HANDLERS)[number];

const ROOT = path.resolve(__dirname, '..');
export const BUNDLE_DIR = path.join(ROOT, '.build', 'lambda');

/**
 * The one esbuild configuration for all handlers (A18): minified, tree-shaken ESM for Node 24 on
 * arm64, with the AWS SDK v3 bundled and `module` entry points preferred — measured ~35% smaller
 * and faster to load than CommonJS-first bundles (TOOLCHAIN.md).
 */
export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  treeShaking: true,
  mainFields: ['module', 'main'],
  legalComments: 'none',
  outExtension: { '.js': '.mjs' },
  entryNames: '[name]/index',
  // A few CommonJS dependencies call require() for Node built-ins; ESM has no require of its own.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  // Lambda passes credentials in environment variables; see lambda/shared/env-credentials.ts.
  alias: { '@aws-sdk/credential-provider-node': path.join(ROOT, 'lambda', 'shared', 'env-credentials.ts') },
  logLevel: 'warning',
};

let bundled = false;

/**
 * Bundles every handler once per process, for all regions (each region then gets the same asset).
 * Files are written by rename, so parallel test workers never read a half-written bundle.
 */
export function bundleHandlers(): string {
  if (bundled) return BUNDLE_DIR;
  const result = buildSync({
    ...BUNDLE_OPTIONS,
    entryPoints: Object.fromEntries(HANDLERS.map((name) => [name, path.join(ROOT, 'lambda', `${name}.ts`)])),
    outdir: BUNDLE_DIR,
    write: false,
  });
  for (const file of result.outputFiles) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  bundled = true;
  return BUNDLE_DIR;
}

/** The folder holding one handler's bundle (`index.mjs`), bundling first if needed. */
export function handlerBundlePath(name: HandlerName): string {
  return path.join(bundleHandlers(), name);
}
