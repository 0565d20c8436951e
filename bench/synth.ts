/**
 * T1: full-app `cdk synth` seconds, our way beside the `cdk init` default way, measured in the
 * same run through the same CLI invocation.
 *
 * - ours: `npx cdk synth --quiet --output <tmp>` — the app command comes from cdk.json (no --app).
 * - cdk init default: the same, with `--app 'npx ts-node --prefer-ts-exts bin/app.ts'` — the app
 *   command `cdk init app --language typescript` has long written to cdk.json, and the "default
 *   ts-node synth" T1 names: ts-node WITH type-checking. (The init template shipped in
 *   aws-cdk 2.1148.1 now writes `npx tsc && npx tsx bin/<name>.ts` — a whole-project type-check,
 *   then tsx; here that is ~5.4 s of tsc plus our tsx synth, about as slow as ts-node.)
 *
 * ts-node 10 + TypeScript 6: with our tsconfig (module/moduleResolution node16, "types":
 * ["node", "jest"], "rootDir": ".") ts-node type-checks and runs the app as is — no
 * TS_NODE_COMPILER_OPTIONS or other overrides are needed, and none are passed (checked: a file with
 * `const n: number = 'x'` fails with TS2322 under this exact command). Both ways run the same code
 * with the same tsconfig (skipLibCheck on, as in `cdk init`'s tsconfig).
 *
 * Every run gets a fresh, empty output directory under os.tmpdir() (removed afterwards), so each one
 * does the full synth including asset staging. A run that fails fails the bench with its stderr tail.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatTable, measureInterleaved, round, timeCommand, type BenchContext, type BenchResult, type Benchmark, type Contender } from './timing';

/** The speed-up T1 asks of our synth over the default ts-node synth. */
const SYNTH_TARGET = 4;

/** `cdk init app --language typescript` puts exactly this in cdk.json. */
const CDK_INIT_APP = 'npx ts-node --prefer-ts-exts bin/app.ts';

const OURS = 'ours (cdk.json app)';
const DEFAULT = 'cdk init default (ts-node)';

/** The CLI sends telemetry and checks notices; the bench keeps telemetry off for every run. */
const CLI_ENV = { CDK_DISABLE_CLI_TELEMETRY: 'true' };

function synthContender(name: string, context: BenchContext, outputRoot: string, appOverride?: string): Contender {
  const outputParent = path.join(outputRoot, name.replace(/\W+/g, '-'));
  mkdirSync(outputParent, { recursive: true });
  let count = 0;
  return {
    name,
    run: async () => {
      const output = path.join(outputParent, `run-${++count}`);
      try {
        return await timeCommand({
          command: 'npx',
          args: ['cdk', 'synth', '--quiet', ...(appOverride ? ['--app', appOverride] : []), '--output', output],
          cwd: context.root,
          env: CLI_ENV,
        });
      } finally {
        rmSync(output, { recursive: true, force: true });
      }
    },
  };
}

async function runSynth(context: BenchContext): Promise<BenchResult> {
  const ourApp = String((JSON.parse(readFileSync(path.join(context.root, 'cdk.json'), 'utf8')) as { app?: unknown }).app);
  const outputRoot = mkdtempSync(path.join(tmpdir(), 'bench-synth-'));
  try {
    const contenders = [synthContender(OURS, context, outputRoot), synthContender(DEFAULT, context, outputRoot, CDK_INIT_APP)];
    context.log(`synth: 1 warm-up + ${context.runs} timed run(s) each, interleaved (the default way takes ~10 s a run)`);
    const summaries = await measureInterleaved(contenders, {
      runs: context.runs,
      onSample: (name, roundNumber, seconds) => context.log(`  run ${roundNumber}/${context.runs}  ${name.padEnd(DEFAULT.length)}  ${seconds.toFixed(2)} s`),
    });
    const ours = summaries.get(OURS);
    const baseline = summaries.get(DEFAULT);
    if (!ours || !baseline) throw new Error('synth: a contender produced no samples');

    const speedup = baseline.median / ours.median;
    const rows = [
      [OURS, ours],
      [DEFAULT, baseline],
    ] as const;
    const table = formatTable(
      ['approach', 'median s', 'min s', 'max s'],
      rows.map(([name, summary]) => [name, summary.median.toFixed(2), summary.min.toFixed(2), summary.max.toFixed(2)]),
    );
    const verdict = speedup >= SYNTH_TARGET ? '' : ' — below target';
    const report = `Full-app synth (npx cdk synth --quiet, median of ${context.runs})\n${table}\nsynth speed-up: ${speedup.toFixed(1)}× (target ≥ ${SYNTH_TARGET}×)${verdict}`;

    const figures = (command: string, summary: typeof ours) => ({
      app: command,
      medianSeconds: round(summary.median),
      minSeconds: round(summary.min),
      maxSeconds: round(summary.max),
      samplesSeconds: summary.samples.map((sample) => round(sample)),
    });
    return {
      report,
      json: {
        benchmark: 'synth',
        measuredAt: new Date().toISOString(),
        node: process.version,
        command: 'npx cdk synth --quiet [--app <app>] --output <fresh tmp dir>',
        warmups: 1,
        runs: context.runs,
        approaches: { ours: figures(ourApp, ours), cdkInitDefault: figures(CDK_INIT_APP, baseline) },
        speedup: round(speedup),
        target: SYNTH_TARGET,
        meetsTarget: speedup >= SYNTH_TARGET,
      },
    };
  } finally {
    rmSync(outputRoot, { recursive: true, force: true });
  }
}

export const synthBenchmark: Benchmark = {
  name: 'synth',
  description: 'full-app cdk synth: ours vs the cdk init default (ts-node, type-checked)',
  run: runSynth,
};
