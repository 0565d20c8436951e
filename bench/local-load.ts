/**
 * What the local environment serves under load (L5): virtual users over both local regions, each
 * loading the greeting, then clicking the picture every 1–3 s (2 s on average, as a person reads
 * the count and clicks again) and reloading the count every tenth click — the page's journey. The
 * users arrive over the first RAMP_MS; a warm-up is reported apart from the measured window.
 * BENCH_LOAD_THINK_MS=<ms> makes every pause that long instead (1000: the saturation figure).
 *
 * Run three times in one bench run: with Lambda's concurrency as deployed (up to each function's
 * reserved concurrency of execution environments); with one execution environment per function
 * (LOCAL_LAMBDA_ENVIRONMENTS=1); and with that and moto as installed (LOCAL_MOTO_SPEEDUP=0: the
 * local environment before issue 10). Each run starts its own `npm start` in a child process, so
 * the load generator does not share the environment's event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { IDEMPOTENCY_KEY_HEADER } from '../lambda/shared/api-contract';
import { ROUTES } from '../lib/names';
import { ENDPOINTS_FILE, type Endpoints } from '../local/environment';
import { formatTable, round, type BenchContext, type BenchResult, type Benchmark } from './timing';

const VIRTUAL_USERS = 50;
const DEFAULT_SECONDS = 60;
/** A pause between clicks, uniformly from 1 to 3 s, unless BENCH_LOAD_THINK_MS fixes it. */
const THINK_MS = { min: 1_000, max: 3_000 };
const RAMP_MS = 5_000;
/**
 * Load before the measured window, at the same rate, reported apart: the first seconds are every
 * function's cold starts and the JIT warm-up of a fresh environment on this machine's two cores,
 * not what the environment serves.
 */
const WARMUP_SECONDS = 20;
const RELOAD_EVERY = 10;
const REQUEST_TIMEOUT_MS = 30_000;
const START_TIMEOUT_MS = 180_000;
/** The target: POST /click p95 at 50 virtual users. */
const CLICK_P95_TARGET_MS = 2_000;

type Outcome = 'ok' | 'throttled' | 'deliberate' | 'failed';

interface Sample {
  /** When the request was sent. */
  readonly at: number;
  readonly route: string;
  readonly ms: number;
  readonly outcome: Outcome;
}

export interface RouteFigures {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly throttled: number;
  readonly deliberate: number;
  /** 5xx that is not the deliberate random failure, and requests that got no answer. */
  readonly failed: number;
}

/** The value below which `fraction` of the sorted values fall (nearest rank). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

export function figuresByRoute(samples: readonly Sample[], seconds: number): Record<string, RouteFigures> {
  const routes = [...new Set(samples.map((sample) => sample.route))].sort();
  return Object.fromEntries(routes.map((route) => {
    const mine = samples.filter((sample) => sample.route === route);
    const times = mine.map((sample) => sample.ms).sort((a, b) => a - b);
    const count = (outcome: Outcome) => mine.filter((sample) => sample.outcome === outcome).length;
    return [route, {
      requests: mine.length,
      perSecond: round(mine.length / seconds, 1),
      p50Ms: Math.round(percentile(times, 0.5)),
      p95Ms: Math.round(percentile(times, 0.95)),
      throttled: count('throttled'),
      deliberate: count('deliberate'),
      failed: count('failed'),
    }];
  }));
}

async function timed(route: string, url: string, init: RequestInit, samples: Sample[]): Promise<Response | undefined> {
  const started = performance.now();
  const sentAt = Date.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await response.text();
    const deliberate = response.status === 500 && /"retryable"\s*:\s*true/.test(body);
    const outcome: Outcome = response.status === 429 ? 'throttled' : deliberate ? 'deliberate' : response.status >= 500 ? 'failed' : 'ok';
    samples.push({ at: sentAt, route, ms: performance.now() - started, outcome });
    return response;
  } catch {
    samples.push({ at: sentAt, route, ms: performance.now() - started, outcome: 'failed' });
    return undefined;
  }
}

async function signIn(apiUrl: string, user: { email: string; password: string }): Promise<string> {
  const response = await fetch(`${apiUrl}${ROUTES.login}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user.email, password: user.password }) });
  if (response.status !== 200) throw new Error(`signing in at ${apiUrl} answered ${response.status}: ${await response.text()}`);
  return String(((await response.json()) as { idToken: string }).idToken);
}

function thinkTime(): { min: number; max: number } {
  const fixed = process.env.BENCH_LOAD_THINK_MS;
  if (fixed === undefined || fixed === '') return THINK_MS;
  const ms = Number(fixed);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`BENCH_LOAD_THINK_MS must be a number of milliseconds ≥ 0 (got "${fixed}")`);
  return { min: ms, max: ms };
}

/** One virtual user from `startAt` until `deadline`: greeting once, then a click per pause and a reload every tenth. */
async function virtualUser(apiUrl: string, token: string, startAt: number, deadline: number, think: { min: number; max: number }, samples: Sample[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const auth = { authorization: `Bearer ${token}` };
  await timed(`GET ${ROUTES.hello}`, `${apiUrl}${ROUTES.hello}`, { headers: auth }, samples);
  for (let iteration = 1; Date.now() < deadline; iteration++) {
    const started = Date.now();
    await timed(`POST ${ROUTES.click}`, `${apiUrl}${ROUTES.click}`, { method: 'POST', headers: { ...auth, [IDEMPOTENCY_KEY_HEADER]: `bench-${randomUUID()}` } }, samples);
    if (iteration % RELOAD_EVERY === 0) await timed(`GET ${ROUTES.views}`, `${apiUrl}${ROUTES.views}`, { headers: auth }, samples);
    const pause = think.min + Math.random() * (think.max - think.min);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, pause - (Date.now() - started))));
  }
}

interface LoadFigures {
  /** The measured window, after the warm-up. */
  readonly routes: Record<string, RouteFigures>;
  /** The first WARMUP_SECONDS: every environment's cold start, the emulators' and this process's JIT. */
  readonly warmup: Record<string, RouteFigures>;
}

/** VIRTUAL_USERS over the environment's regions (alternately): WARMUP_SECONDS, then `seconds` measured. */
async function applyLoad(endpoints: Endpoints, seconds: number): Promise<LoadFigures> {
  const regions = Object.values(endpoints.regions);
  const tokens = await Promise.all(regions.map((region) => signIn(region.api, region.user)));
  const samples: Sample[] = [];
  const think = thinkTime();
  const started = Date.now();
  const measuredFrom = started + WARMUP_SECONDS * 1000;
  const deadline = measuredFrom + seconds * 1000;
  await Promise.all(Array.from({ length: VIRTUAL_USERS }, (_, index) => virtualUser(
    regions[index % regions.length].api, tokens[index % regions.length], started + (index * RAMP_MS) / VIRTUAL_USERS, deadline, think, samples,
  )));
  return {
    routes: figuresByRoute(samples.filter((sample) => sample.at >= measuredFrom), seconds),
    warmup: figuresByRoute(samples.filter((sample) => sample.at < measuredFrom), WARMUP_SECONDS),
  };
}

/** `npm start` in a child process, resolved once its endpoints file is written. */
async function startEnvironment(context: BenchContext, env: Record<string, string>, logFile: string): Promise<{ endpoints: Endpoints; child: ChildProcess }> {
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(context.root, 'bin/start.ts')], { cwd: context.root, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}; see ${logFile}`);
    if (existsSync(ENDPOINTS_FILE)) {
      const endpoints = JSON.parse(readFileSync(ENDPOINTS_FILE, 'utf8')) as Endpoints;
      if (endpoints.pid === child.pid) return { endpoints, child };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`npm start was not ready within ${START_TIMEOUT_MS / 1000} s; see ${logFile}`);
}

async function stopEnvironment(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(force);
}

async function loadOnce(context: BenchContext, mode: { name: string; env: Record<string, string> }, seconds: number): Promise<LoadFigures> {
  const logFile = path.join(context.root, 'bench', 'results', `local-load-${mode.name}.log`);
  const { endpoints, child } = await startEnvironment(context, mode.env, logFile);
  try {
    context.log(`local-load: ${mode.name}: ${VIRTUAL_USERS} virtual users over ${Object.keys(endpoints.regions).length} regions, ${WARMUP_SECONDS} s warm-up, then ${seconds} s measured`);
    return await applyLoad(endpoints, seconds);
  } finally {
    await stopEnvironment(child);
  }
}

function describeThink({ min, max }: { min: number; max: number }): string {
  return min === max ? `${min / 1000} s` : `${min / 1000}–${max / 1000} s`;
}

async function runLocalLoad(context: BenchContext): Promise<BenchResult> {
  const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? DEFAULT_SECONDS);
  if (!Number.isFinite(seconds) || seconds < 5) throw new Error(`BENCH_LOAD_SECONDS must be a number of seconds ≥ 5 (got "${process.env.BENCH_LOAD_SECONDS}")`);
  const modes: { name: string; label: string; env: Record<string, string> }[] = [
    { name: 'as-deployed', label: 'reserved concurrency (as deployed)', env: { LOCAL_LAMBDA_ENVIRONMENTS: '', LOCAL_MOTO_SPEEDUP: '' } },
    { name: 'one-environment', label: 'one environment per function (LOCAL_LAMBDA_ENVIRONMENTS=1)', env: { LOCAL_LAMBDA_ENVIRONMENTS: '1', LOCAL_MOTO_SPEEDUP: '' } },
    { name: 'before', label: 'one environment, moto as installed (LOCAL_MOTO_SPEEDUP=0)', env: { LOCAL_LAMBDA_ENVIRONMENTS: '1', LOCAL_MOTO_SPEEDUP: '0' } },
  ];
  const json: Record<string, LoadFigures> = {};
  const rows: string[][] = [];
  for (const mode of modes) {
    json[mode.name] = await loadOnce(context, mode, seconds);
    for (const [window, figuresOf] of [['measured', json[mode.name].routes], [`warm-up ${WARMUP_SECONDS} s`, json[mode.name].warmup]] as const) {
      for (const [route, figures] of Object.entries(figuresOf)) {
        rows.push([mode.label, window, route, String(figures.perSecond), String(figures.p50Ms), String(figures.p95Ms), String(figures.throttled), String(figures.deliberate), String(figures.failed)]);
      }
    }
  }
  const click = json['as-deployed'].routes[`POST ${ROUTES.click}`];
  const report = [
    `Local environment under load: ${VIRTUAL_USERS} virtual users over both regions, arriving over ${RAMP_MS / 1000} s, a click every ${describeThink(thinkTime())} each; ${WARMUP_SECONDS} s warm-up, then ${seconds} s measured (BENCH_LOAD_SECONDS)`,
    formatTable(['Lambda concurrency', 'window', 'route', 'req/s', 'p50 ms', 'p95 ms', '429', 'deliberate 500', 'other 5xx / no answer'], rows),
    `POST /click p95 ${click?.p95Ms ?? '—'} ms as deployed (target ≤ ${CLICK_P95_TARGET_MS} ms, no 5xx but the deliberate ones): ${click && click.p95Ms <= CLICK_P95_TARGET_MS && click.failed === 0 ? 'met' : 'NOT met'}`,
  ].join('\n');
  return { report, json: { benchmark: 'local-load', measuredAt: new Date().toISOString(), node: process.version, virtualUsers: VIRTUAL_USERS, seconds, warmupSeconds: WARMUP_SECONDS, thinkMs: thinkTime(), rampMs: RAMP_MS, modes: json } };
}

export const localLoadBenchmark: Benchmark = {
  name: 'local-load',
  description: `requests/s and p95 per route with ${VIRTUAL_USERS} virtual users over both local regions, Lambda concurrency as deployed vs one environment per function`,
  run: runLocalLoad,
};
