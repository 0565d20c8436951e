/**
 * `npm run bench [-- --runs N] [-- --only <name>]`: runs every benchmark in order (targets T1–T4, docs/requirements.md), prints
 * each one's figures and writes them to bench/results/<name>.json (gitignored).
 *
 * Add a benchmark by writing a `Benchmark` (see timing.ts) in its own file and listing it below.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { firstInvokeBenchmark } from './first-invoke';
import { handlersBenchmark } from './handlers';
import { iamProxyBenchmark } from './iam-proxy';
import { localLoadBenchmark } from './local-load';
import { synthBenchmark } from './synth';
import type { Benchmark } from './timing';

const BENCHMARKS: readonly Benchmark[] = [handlersBenchmark, firstInvokeBenchmark, iamProxyBenchmark, localLoadBenchmark, synthBenchmark];

const ROOT = path.resolve(__dirname, '..');
const RESULTS_DIR = path.join(__dirname, 'results');

/** Timed runs per contender when --runs is not given (a benchmark may use its own default then). */
const DEFAULT_RUNS = 3;

const USAGE = `usage: npm run bench -- [--runs N] [--only <${BENCHMARKS.map((b) => b.name).join('|')}>]
${BENCHMARKS.map((b) => `  ${b.name}: ${b.description}`).join('\n')}`;

function parseOptions(): { runs: number; runsGiven: boolean; only?: string } {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const runs = values.runs === undefined ? DEFAULT_RUNS : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got "${values.runs}"\n${USAGE}`);
  if (values.only !== undefined && !BENCHMARKS.some((b) => b.name === values.only)) {
    throw new Error(`unknown benchmark "${values.only}"\n${USAGE}`);
  }
  return { runs, runsGiven: values.runs !== undefined, only: values.only };
}

async function main(): Promise<void> {
  const { runs, runsGiven, only } = parseOptions();
  const log = (message: string) => console.error(message);
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const benchmark of BENCHMARKS.filter((b) => only === undefined || b.name === only)) {
    const result = await benchmark.run({ root: ROOT, runs, runsGiven, log });
    const file = path.join(RESULTS_DIR, `${benchmark.name}.json`);
    writeFileSync(file, `${JSON.stringify(result.json, null, 2)}\n`);
    console.log(`\n${result.report}\n(figures in ${path.relative(ROOT, file)})`);
  }
}

main().catch((error: unknown) => {
  console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
