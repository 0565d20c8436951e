/**
 * T2 / A18: per handler, bundle bytes and cold import ms — our bundle beside the same handler
 * bundled the `NodejsFunction` default way, both built and measured in the same run.
 *
 * - ours: lib/handler-bundles.ts's BUNDLE_OPTIONS as they are (minified ESM, module-first, SDK v3
 *   bundled, node24), built into a fresh directory under os.tmpdir() — nothing can resolve from the
 *   project's node_modules there, so the import also proves the bundle is self-contained.
 * - default twin: what `new NodejsFunction(this, 'Fn', { entry, runtime: Runtime.NODEJS_24_X })`
 *   runs, read from aws-cdk-lib 2.257.0's aws-lambda-nodejs/lib/bundling.js (buildEsbuildArgs and
 *   the constructor): `esbuild --bundle <entry> --target=node24 --platform=node --outfile=…/index.js
 *   --external:@aws-sdk/* [--external:@smithy/*]`. `--target` is toTarget(runtime) ("nodejs24.x" →
 *   "node24"); `--format` is passed only when `bundling.format` is set, so esbuild's default for
 *   platform node applies (cjs, hence index.js); `--minify` and `--sourcemap` only when
 *   `bundling.minify` / `sourceMap` are set (default off); `--main-fields` only when `mainFields` is
 *   set, so esbuild's node default (main, then module) applies. The externals are defaultExternals
 *   for a Node 18+ runtime: `@aws-sdk/*`, plus `@smithy/*` when the feature flag
 *   `@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages` is on — it is on in our cdk.json (and in
 *   the flags `cdk init` writes), so we read it from there. CDK bundles with the project's own
 *   esbuild when one is installed (PackageInstallation.detect), i.e. the same esbuild as ours.
 *   Checked: for hello, counter and health the twin is byte-identical to the asset that a real
 *   `NodejsFunction` (this cdk.json's context, Runtime.NODEJS_24_X) stages.
 *   The twin is written to .build/bench-default/<handler>/index.js INSIDE the project so that its
 *   external requires resolve to this project's node_modules, as the Lambda runtime resolves them
 *   to its own copy: the twin's import time includes loading the SDK from node_modules.
 *
 * Cold import: each sample is a fresh `node` process that runs `await import(bundle)` and reports the
 * milliseconds measured INSIDE the process around that import (Node's own start-up is excluded).
 * Samples of ours and the twin are interleaved (order alternating per round) after one untimed
 * warm-up each, which fills the OS file cache. The child's environment is built from scratch (no
 * NODE_OPTIONS, no AWS profile): the Lambda variables and the handlers' module-scope configuration
 * get dummy values and credentials are dummies, so nothing reaches for credentials or the network
 * (clients are only constructed at import; nothing is sent).
 */
import { buildSync, type BuildOptions } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BUNDLE_OPTIONS, HANDLERS, type HandlerName } from '../lib/handler-bundles';
import { LAMBDA_RUNTIME as FUNCTION_RUNTIME } from '../lib/regional-function';
import { formatTable, measureInterleaved, round, runCommand, type BenchContext, type BenchResult, type Benchmark, type Contender, type Summary } from './timing';

/** T2: every handler's cold import ≥ 2× faster than its default-bundled twin. */
const IMPORT_TARGET = 2;

/** Fresh processes per variant per handler: 7 by default; with `--runs N`, max(N, 5). */
const DEFAULT_SAMPLES = 7;
const MIN_SAMPLES = 5;

/** The Lambda runtime our functions use (lib/regional-function.ts) and the esbuild target NodejsFunction derives from it. */
const LAMBDA_RUNTIME = FUNCTION_RUNTIME.name;
const DEFAULT_TARGET = LAMBDA_RUNTIME.replace(/^nodejs(\d+)\.x$/, 'node$1');

const SMITHY_FLAG = '@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages';

/** Where the twin is built: inside the project (gitignored via .build/) so `@aws-sdk/*` resolves to node_modules. */
export const DEFAULT_DIR = path.join('.build', 'bench-default');

/**
 * The child's whole environment. Every variable a handler reads at module scope (requireEnv in
 * lambda/) has a dummy here — checked against the sources on every run — plus what the Lambda
 * runtime sets and dummy credentials, so nothing looks for a profile or instance metadata.
 */
const HANDLER_ENV: Readonly<Record<string, string>> = {
  TABLE_NAME: 'bench-table',
  SITE_BUCKET_NAME: 'bench-site-bucket',
  HELLO_IMAGE_KEY: 'images/hello.png',
  CLICKED_IMAGE_KEY: 'images/clicked.png',
  EVENT_BUS_NAME: 'bench-bus',
  RANDOM_FAILURE_RATE: '0.1',
  USER_POOL_CLIENT_ID: 'benchclientid',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-webhook',
  INGEST_REJECTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-rejects',
  FORCED_FAILURE_PARAMETER: '/regionalapp/bench/us-east-1/forced-failure',
  APP_REGIONS: 'us-east-1,us-west-2',
  API_URL_PARAMETER: '/regionalapp/bench/us-east-1/api-url',
  SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-signing',
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_METRICS_NAMESPACE: 'Bench',
};

const LAMBDA_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_EXECUTION_ENV: `AWS_Lambda_${LAMBDA_RUNTIME}`,
  AWS_LAMBDA_FUNCTION_NAME: 'bench-function',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_ACCESS_KEY_ID: 'AKIABENCHDUMMY000000',
  AWS_SECRET_ACCESS_KEY: 'bench-dummy-secret-access-key',
  AWS_SESSION_TOKEN: 'bench-dummy-session-token',
  AWS_EC2_METADATA_DISABLED: 'true',
  // SDK v3 warns (process.emitWarning) on Node < 22; Lambda runs Node 24, where it never does.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/**
 * The child: times `await import(bundle)` inside the process, checks the bundle exports a handler,
 * then (untimed) counts the CommonJS files it loaded from node_modules — the twin's external SDK.
 */
const PROBE = `
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const file = process.argv[1];
const url = pathToFileURL(file).href;
const started = performance.now();
const loaded = await import(url);
const ms = performance.now() - started;
const handler = loaded.handler ?? loaded.default?.handler;
if (typeof handler !== 'function') throw new Error(file + ' does not export a handler function');
const files = Object.keys(createRequire(url).cache).filter((f) => f.includes('/node_modules/'));
const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
process.stdout.write(JSON.stringify({ ms, nodeModulesFiles: files.length, nodeModulesBytes: bytes }));
`;

interface ProbeOutput {
  readonly ms: number;
  readonly nodeModulesFiles: number;
  readonly nodeModulesBytes: number;
}

function parseProbe(stdout: string, bundle: string): ProbeOutput {
  try {
    const parsed = JSON.parse(stdout) as Partial<ProbeOutput>;
    if (typeof parsed.ms === 'number' && typeof parsed.nodeModulesFiles === 'number' && typeof parsed.nodeModulesBytes === 'number') {
      return { ms: parsed.ms, nodeModulesFiles: parsed.nodeModulesFiles, nodeModulesBytes: parsed.nodeModulesBytes };
    }
  } catch {
    // Reported below.
  }
  throw new Error(`import probe of ${bundle} printed no figures: ${JSON.stringify(stdout.slice(0, 500))}`);
}

/** The module-scope configuration every handler reads: each requireEnv('X') in lambda/ must have a dummy. */
export function checkHandlerEnv(root: string): void {
  const missing = new Set<string>();
  const scan = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) scan(file);
      else if (entry.name.endsWith('.ts')) {
        for (const match of readFileSync(file, 'utf8').matchAll(/requireEnv\(\s*'([A-Z0-9_]+)'\s*\)/g)) {
          if (!(match[1] in HANDLER_ENV) && !(match[1] in LAMBDA_ENV)) missing.add(match[1]);
        }
      }
    }
  };
  scan(path.join(root, 'lambda'));
  if (missing.size > 0) throw new Error(`bench/handlers.ts: add a dummy value for ${[...missing].join(', ')} to HANDLER_ENV`);
}

/** `NodejsFunction`'s default externals for a Node 18+ runtime, given this project's feature flags. */
export function defaultExternals(root: string): string[] {
  const cdkJson = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context?.[SMITHY_FLAG] === true ? ['@aws-sdk/*', '@smithy/*'] : ['@aws-sdk/*'];
}

/** The twin's esbuild options: exactly the flags NodejsFunction passes by default (see the file comment). */
export function nodejsFunctionDefaultOptions(externals: string[]): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target: DEFAULT_TARGET,
    format: 'cjs', // esbuild's default for platform node; NodejsFunction passes no --format
    minify: false,
    sourcemap: false,
    mainFields: ['main', 'module'], // esbuild's default for platform node; NodejsFunction passes no --main-fields
    external: externals,
    entryNames: '[name]/index',
    logLevel: 'warning',
  };
}

function entryPoints(root: string): Record<string, string> {
  return Object.fromEntries(HANDLERS.map((name) => [name, path.join(root, 'lambda', `${name}.ts`)]));
}

interface Variant {
  readonly bytes: number;
  readonly file: string;
}

export function build(options: BuildOptions, root: string, outdir: string, extension: string): Map<HandlerName, Variant> {
  rmSync(outdir, { recursive: true, force: true });
  buildSync({ ...options, entryPoints: entryPoints(root), outdir, write: true });
  return new Map(
    HANDLERS.map((name) => {
      const file = path.join(outdir, name, `index${extension}`);
      return [name, { file, bytes: statSync(file).size }];
    }),
  );
}

function importContender(name: string, context: BenchContext, bundle: string, last: { probe?: ProbeOutput }): Contender {
  return {
    name,
    run: async () => {
      const { stdout } = await runCommand({
        command: process.execPath,
        args: ['--input-type=module', '-e', PROBE, bundle],
        cwd: context.root,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), ...LAMBDA_ENV, ...HANDLER_ENV },
        inheritEnv: false,
        timeoutMs: 60_000,
      });
      last.probe = parseProbe(stdout, bundle);
      return last.probe.ms / 1000;
    },
  };
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const ms = (summary: Summary) => (summary.median * 1000).toFixed(1);

interface HandlerFigures {
  readonly handler: HandlerName;
  readonly ours: Variant & { readonly summary: Summary };
  readonly twin: Variant & { readonly summary: Summary; readonly probe: ProbeOutput };
  readonly speedup: number;
}

async function runHandlers(context: BenchContext): Promise<BenchResult> {
  const samples = context.runsGiven ? Math.max(context.runs, MIN_SAMPLES) : DEFAULT_SAMPLES;
  checkHandlerEnv(context.root);
  const externals = defaultExternals(context.root);
  const oursDir = mkdtempSync(path.join(tmpdir(), 'bench-handlers-'));
  const twinDir = path.join(context.root, DEFAULT_DIR);
  try {
    context.log(`handlers: bundling ${HANDLERS.length} handlers our way (${oursDir}) and the NodejsFunction default way (${DEFAULT_DIR}/)`);
    const ours = build(BUNDLE_OPTIONS, context.root, oursDir, '.mjs');
    const twins = build(nodejsFunctionDefaultOptions(externals), context.root, twinDir, '.js');

    context.log(`handlers: cold import, 1 warm-up + ${samples} fresh Node processes per variant per handler, interleaved`);
    const figures: HandlerFigures[] = [];
    for (const handler of HANDLERS) {
      const oursBundle = ours.get(handler);
      const twinBundle = twins.get(handler);
      if (!oursBundle || !twinBundle) throw new Error(`handlers: ${handler} was not bundled`);
      const twinProbe: { probe?: ProbeOutput } = {};
      const summaries = await measureInterleaved(
        [importContender('ours', context, oursBundle.file, {}), importContender('default', context, twinBundle.file, twinProbe)],
        { runs: samples },
      );
      const oursSummary = summaries.get('ours');
      const twinSummary = summaries.get('default');
      if (!oursSummary || !twinSummary || !twinProbe.probe) throw new Error(`handlers: ${handler} produced no samples`);
      const speedup = twinSummary.median / oursSummary.median;
      figures.push({
        handler,
        ours: { ...oursBundle, summary: oursSummary },
        twin: { ...twinBundle, summary: twinSummary, probe: twinProbe.probe },
        speedup,
      });
      context.log(`  ${handler.padEnd(10)}  ours ${ms(oursSummary).padStart(6)} ms  default ${ms(twinSummary).padStart(6)} ms  ${speedup.toFixed(2)}×`);
    }

    const table = formatTable(
      ['handler', 'ours KB', 'default KB*', 'ours import ms', 'default import ms', 'speed-up'],
      figures.map((f) => [f.handler, kb(f.ours.bytes), kb(f.twin.bytes), ms(f.ours.summary), ms(f.twin.summary), `${f.speedup.toFixed(2)}×`]),
    );
    const below = figures.filter((f) => f.speedup < IMPORT_TARGET);
    const loading = figures.filter((f) => f.twin.probe.nodeModulesFiles > 0);
    const sdkFiles = loading.map((f) => f.twin.probe.nodeModulesFiles);
    const sdkKb = loading.map((f) => f.twin.probe.nodeModulesBytes / 1024);
    const range = (values: number[], digits = 0) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
    const report = [
      `Handler cold import (median of ${samples} fresh Node ${process.version} processes each, import timed inside the process; Lambda runs ${LAMBDA_RUNTIME})`,
      `ours: minified ESM, SDK bundled (lib/handler-bundles.ts) — default: NodejsFunction defaults (CJS, unminified, ${externals.join(' + ')} external)`,
      table,
      `handlers meeting the cold-import target (≥ ${IMPORT_TARGET}× faster than the default twin): ${figures.length - below.length} of ${figures.length}` +
        (below.length > 0 ? ` — below target: ${below.map((f) => f.handler).join(', ')}` : ''),
      `* default KB is the twin's own index.js only: ${externals.join(' and ')} are left out because the Lambda runtime provides them` +
        (loading.length > 0 ? ` (at import, ${loading.length} twins load ${range(sdkFiles)} files, ${range(sdkKb)} KB, of them from node_modules).` : '.'),
    ].join('\n');

    const variantJson = (variant: Variant & { readonly summary: Summary }) => ({
      bundleBytes: variant.bytes,
      importMedianMs: round(variant.summary.median * 1000, 1),
      importMinMs: round(variant.summary.min * 1000, 1),
      importMaxMs: round(variant.summary.max * 1000, 1),
      importSamplesMs: variant.summary.samples.map((sample) => round(sample * 1000, 1)),
    });
    return {
      report,
      json: {
        benchmark: 'handlers',
        measuredAt: new Date().toISOString(),
        node: process.version,
        lambdaRuntime: LAMBDA_RUNTIME,
        method: 'fresh `node --input-type=module -e <probe> <bundle>` per sample; ms measured inside the process around `await import(bundle)`',
        warmups: 1,
        samples,
        approaches: {
          ours: 'lib/handler-bundles.ts BUNDLE_OPTIONS (minified ESM, module-first, SDK v3 bundled), built under os.tmpdir()',
          nodejsFunctionDefault: {
            esbuild: `--bundle --target=${DEFAULT_TARGET} --platform=node (format cjs, no minify, no sourcemap, main fields main,module) ${externals.map((e) => `--external:${e}`).join(' ')}`,
            builtInto: DEFAULT_DIR,
            bundleBytesNote: 'own index.js only; the externals are provided by the Lambda runtime (here: loaded from node_modules at import)',
          },
        },
        handlers: Object.fromEntries(
          figures.map((f) => [
            f.handler,
            {
              ours: variantJson(f.ours),
              nodejsFunctionDefault: {
                ...variantJson(f.twin),
                externalFilesLoaded: f.twin.probe.nodeModulesFiles,
                externalBytesLoaded: f.twin.probe.nodeModulesBytes,
              },
              speedup: round(f.speedup),
              meetsTarget: f.speedup >= IMPORT_TARGET,
            },
          ]),
        ),
        target: IMPORT_TARGET,
        handlersMeetingTarget: figures.length - below.length,
        handlersBelowTarget: below.map((f) => f.handler),
        firstInvokeNote: 'see bench/results/first-invoke.json (npm run bench -- --only first-invoke)',
      },
    };
  } finally {
    rmSync(oursDir, { recursive: true, force: true });
  }
}

export const handlersBenchmark: Benchmark = {
  name: 'handlers',
  description: `per handler: bundle KB and cold import ms (median of ${DEFAULT_SAMPLES} fresh processes; --runs N → max(N, ${MIN_SAMPLES})), ours vs the NodejsFunction default bundling`,
  run: runHandlers,
};
