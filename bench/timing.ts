/**
 * Small shared helpers for the benchmarks: spawn-and-time a command, summarize samples, print an
 * aligned table. Wall-clock time from spawn to exit is what a developer waits for, so that is what
 * we measure.
 */
import { spawn } from 'node:child_process';
import { alignColumns } from '../cli/cli';

export interface CommandSpec {
  /** Executable, looked up on PATH (no shell). */
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to (and overriding) the bench process's own environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** false: `env` is the command's whole environment (nothing inherited, e.g. no NODE_OPTIONS); default true. */
  readonly inheritEnv?: boolean;
  /** Kill the command (and everything it started) after this long; default 10 minutes. */
  readonly timeoutMs?: number;
}

/** How many characters of output to keep for an error message. */
const OUTPUT_KEPT = 64 * 1024;
const TAIL_LINES = 25;

/** A command that exited non-zero (or timed out): its message ends with the tail of its stderr. */
class CommandFailed extends Error {}

/** The last `lines` lines of `text`, without trailing blank lines. */
function tail(text: string, lines = TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function quote(spec: Pick<CommandSpec, 'command' | 'args'>): string {
  return [spec.command, ...spec.args].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, "'\\''")}'`)).join(' ');
}

/**
 * Runs the command to completion and resolves with its wall-clock seconds. Rejects with
 * `CommandFailed` (stderr tail included) when it exits non-zero, is killed, or times out — a failed
 * run is never returned as a time.
 */
export function timeCommand(spec: CommandSpec): Promise<number> {
  return runCommand(spec).then((run) => run.seconds);
}

export interface CommandRun {
  /** Wall-clock seconds from spawn to exit. */
  readonly seconds: number;
  /** The command's standard output (its last 64 KiB). */
  readonly stdout: string;
}

/** Like `timeCommand`, also resolving with what the command printed (for commands that report figures). */
export function runCommand(spec: CommandSpec): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // Own process group, so a timeout can end the whole tree (npx → cdk → app) by this one id.
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.inheritEnv === false ? { ...spec.env } : { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-OUTPUT_KEPT)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-OUTPUT_KEPT)));

    let timedOut = false;
    const timeoutMs = spec.timeoutMs ?? 10 * 60_000;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone; 'close' reports the exit.
      }
    }, timeoutMs);

    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new CommandFailed(`${quote(spec)} could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0 && !timedOut) {
        resolve({ seconds, stdout });
        return;
      }
      const why = timedOut ? `timed out after ${timeoutMs / 1000} s` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const output = tail(stderr) || tail(stdout) || '(no output)';
      reject(new CommandFailed(`${quote(spec)} ${why}. Last output:\n${output}`));
    });
  });
}

export interface Summary {
  readonly samples: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summarize(samples: readonly number[]): Summary {
  return { samples: [...samples], median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

/** Rounds for printing and for the JSON results (milliseconds are noise at this scale). */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** An aligned text table: the first column left-aligned, the figures right-aligned, a rule under the header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => (row[column] ?? '').length)));
  return alignColumns([header, widths.map((width) => '-'.repeat(width)), ...rows], true).join('\n');
}

export interface Contender {
  readonly name: string;
  /** One measured run, in seconds; it must throw if the run fails. */
  readonly run: () => Promise<number>;
}

export interface MeasureOptions {
  readonly runs: number;
  readonly warmups?: number;
  /** Called after every timed sample, for progress output. */
  readonly onSample?: (name: string, round: number, seconds: number) => void;
}

/**
 * Warms every contender up (untimed: the first run fills OS, npm and compiler caches), then times
 * `runs` rounds. Each round runs every contender once, and the order alternates between rounds, so
 * machine noise and any order effect fall on all of them alike.
 */
export async function measureInterleaved(contenders: readonly Contender[], options: MeasureOptions): Promise<Map<string, Summary>> {
  for (let warmup = 0; warmup < (options.warmups ?? 1); warmup++) {
    for (const contender of contenders) await contender.run();
  }
  const samples = new Map<string, number[]>(contenders.map((contender) => [contender.name, []]));
  for (let roundIndex = 0; roundIndex < options.runs; roundIndex++) {
    const order = roundIndex % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      const seconds = await contender.run();
      samples.get(contender.name)?.push(seconds);
      options.onSample?.(contender.name, roundIndex + 1, seconds);
    }
  }
  return new Map([...samples].map(([name, values]) => [name, summarize(values)]));
}

/** What bench/run.ts hands every benchmark. */
export interface BenchContext {
  /** The project root (commands run here). */
  readonly root: string;
  /** Timed runs per contender (after one untimed warm-up). */
  readonly runs: number;
  /** Whether `runs` came from `--runs` (true) or is run.ts's default (false/absent). */
  readonly runsGiven?: boolean;
  /** Progress lines go here (stderr), so stdout holds just the results. */
  readonly log: (message: string) => void;
}

/** What a benchmark gives back: the text to print and the figures run.ts writes to bench/results/<name>.json. */
export interface BenchResult {
  readonly report: string;
  readonly json: unknown;
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  readonly run: (context: BenchContext) => Promise<BenchResult>;
}
