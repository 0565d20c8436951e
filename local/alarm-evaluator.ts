import { compileExpression, type CompiledExpression } from './metric-math';
import type { MetricKey, MetricStore } from './metric-store';

/**
 * The local environment's alarm evaluation. moto_server stores the app's CloudWatch alarms but never
 * evaluates them, so this module decides states as CloudWatch would: a metric alarm's from the
 * datapoints the local runtime recorded in a MetricStore, a composite alarm's from its AlarmRule
 * over its children's states. It keeps no state and calls no emulator; alarm-watcher.ts does both.
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

interface MetricStat {
  readonly Metric: { readonly Namespace: string; readonly MetricName: string; readonly Dimensions?: readonly Dimension[] };
  readonly Period: number;
  readonly Stat: string;
}

interface MetricDataQuery {
  readonly Id: string;
  readonly Expression?: string;
  readonly Label?: string;
  readonly ReturnData?: boolean;
  readonly Period?: number;
  readonly MetricStat?: MetricStat;
}

/** The Properties of an AWS::CloudWatch::Alarm from a synthesized template, intrinsics already resolved to plain values. */
export interface AlarmDefinition {
  readonly AlarmName: string;
  readonly AlarmDescription?: string;
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: readonly Dimension[];
  readonly Statistic?: string;
  readonly ExtendedStatistic?: string;
  readonly Period?: number;
  readonly Metrics?: readonly MetricDataQuery[];
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly Threshold?: number;
  readonly ComparisonOperator: string;
  readonly TreatMissingData?: string;
  readonly AlarmActions?: readonly string[];
  readonly OKActions?: readonly string[];
  readonly InsufficientDataActions?: readonly string[];
}

export interface AlarmEvaluation {
  readonly state: AlarmState;
  readonly reason: string;
  /** The newest datapoint the alarm saw, if any. */
  readonly value?: number;
  /** Every datapoint the alarm saw, newest first (missing periods left out), as CloudWatch's StateReasonData lists them. */
  readonly recentDatapoints?: readonly number[];
}

const COMPARISONS: Readonly<Record<string, { readonly breaches: (value: number, threshold: number) => boolean; readonly text: string }>> = {
  GreaterThanOrEqualToThreshold: { breaches: (value, threshold) => value >= threshold, text: 'greater than or equal to' },
  GreaterThanThreshold: { breaches: (value, threshold) => value > threshold, text: 'greater than' },
  LessThanThreshold: { breaches: (value, threshold) => value < threshold, text: 'less than' },
  LessThanOrEqualToThreshold: { breaches: (value, threshold) => value <= threshold, text: 'less than or equal to' },
};

const MISSING_DATA_TREATMENTS = ['missing', 'ignore', 'breaching', 'notBreaching'];

/** The value of the alarm's metric (or metric-math query) in [fromMs, toMs); undefined when missing. */
type PeriodValue = (fromMs: number, toMs: number) => number | undefined;

interface Window {
  readonly fromMs: number;
  readonly value: number | undefined;
}

/**
 * Evaluates `alarm` like CloudWatch, with one local simplification: periods are sliding windows
 * ending at `nowMs` ([now-(i+1)P, now-iP) for i = 0..EvaluationPeriods-1) rather than
 * minute-aligned ones, so a datapoint counts as soon as it is recorded. A window with no datapoints
 * is missing. The alarm is in ALARM when at least DatapointsToAlarm (default EvaluationPeriods)
 * windows breach; missing windows count as breaching or not per TreatMissingData, and with
 * `missing` (the default) or `ignore` they are left out — when every window is missing, `missing`
 * gives INSUFFICIENT_DATA and `ignore` keeps `currentState`. (CloudWatch looks back further for
 * datapoints when some are missing; locally only the evaluation windows are read.)
 *
 * Throws, naming the alarm, for definitions outside what the local environment supports.
 */
export function evaluateAlarm(alarm: AlarmDefinition, metrics: MetricStore, nowMs: number, currentState: AlarmState): AlarmEvaluation {
  const fail = (problem: string) => new Error(`Alarm "${alarm.AlarmName}": ${problem}`);
  const comparison = COMPARISONS[alarm.ComparisonOperator];
  if (!comparison) throw fail(`ComparisonOperator ${alarm.ComparisonOperator} is not supported locally (supported: ${Object.keys(COMPARISONS).join(', ')})`);
  if (!Number.isInteger(alarm.EvaluationPeriods) || alarm.EvaluationPeriods < 1) throw fail(`EvaluationPeriods must be a whole number of at least 1, not ${alarm.EvaluationPeriods}`);
  const threshold = alarm.Threshold;
  if (threshold === undefined) throw fail('it has no Threshold (anomaly-detection alarms are not supported locally)');
  const treatMissingData = alarm.TreatMissingData ?? 'missing';
  if (!MISSING_DATA_TREATMENTS.includes(treatMissingData)) throw fail(`TreatMissingData ${treatMissingData} is not one of ${MISSING_DATA_TREATMENTS.join(', ')}`);

  const periodSeconds = alarmPeriodSeconds(alarm, fail);
  const valueIn = alarm.Metrics ? metricMathValue(alarm.Metrics, metrics, fail) : singleMetricValue(alarm, metrics, fail);
  const periodMs = periodSeconds * 1000;
  const windows: Window[] = Array.from({ length: alarm.EvaluationPeriods }, (_, i) => {
    const toMs = nowMs - i * periodMs;
    return { fromMs: toMs - periodMs, value: valueIn(toMs - periodMs, toMs) };
  });

  const present = windows.filter((window): window is Window & { value: number } => window.value !== undefined);
  const recentDatapoints = present.map(({ value }) => value);
  const value = recentDatapoints[0];
  const evaluationPeriods = windows.length;
  const missing = evaluationPeriods - present.length;

  if (present.length === 0 && (treatMissingData === 'missing' || treatMissingData === 'ignore')) {
    const noData = `no datapoints were received for the last ${plural(evaluationPeriods, 'period')} of ${periodSeconds} seconds`;
    if (treatMissingData === 'ignore') return { state: currentState, reason: `Missing data ignored: ${noData}, so the alarm stays ${currentState}.`, recentDatapoints };
    return { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${noData}.`, recentDatapoints };
  }

  const breaching = present.filter((window) => comparison.breaches(window.value, threshold));
  const breachCount = breaching.length + (treatMissingData === 'breaching' ? missing : 0);
  const datapointsToAlarm = alarm.DatapointsToAlarm ?? evaluationPeriods;
  const state: AlarmState = breachCount >= datapointsToAlarm ? 'ALARM' : 'OK';

  const listing = present.length === 0 ? '[no datapoints]' : `[${present.map((window) => `${formatNumber(window.value)} (${formatPeriodStart(window.fromMs)})`).join(', ')}]`;
  const needed = state === 'ALARM' ? `minimum ${datapointsToAlarm} for ALARM` : `${datapointsToAlarm} needed for ALARM`;
  const missingNote = missing === 0 ? '' : `; ${plural(missing, 'missing datapoint')} ${MISSING_NOTE[treatMissingData]}`;
  const reason = `Threshold Crossed: ${breachCount} out of the last ${plural(evaluationPeriods, 'datapoint')} ${listing} `
    + `${breachCount === 1 ? 'was' : 'were'} ${comparison.text} the threshold (${formatNumber(threshold)}) (${needed})${missingNote}.`;
  return { state, reason, value, recentDatapoints };
}

const MISSING_NOTE: Readonly<Record<string, string>> = {
  breaching: 'counted as breaching',
  notBreaching: 'counted as not breaching',
  missing: 'left out',
  ignore: 'left out',
};

/** One period for the whole alarm: CloudWatch evaluates every query of an alarm over the same period. */
function alarmPeriodSeconds(alarm: AlarmDefinition, fail: (problem: string) => Error): number {
  if (!alarm.Metrics) {
    if (!alarm.Period) throw fail('it has neither Period nor Metrics');
    return alarm.Period;
  }
  const periods = new Set(alarm.Metrics.flatMap((query) => [query.Period, query.MetricStat?.Period]).filter((period) => period !== undefined));
  if (periods.size !== 1) throw fail(`its Metrics must share one Period, but have ${periods.size === 0 ? 'none' : [...periods].join(', ')}`);
  return [...periods][0];
}

function singleMetricValue(alarm: AlarmDefinition, metrics: MetricStore, fail: (problem: string) => Error): PeriodValue {
  if (!alarm.Namespace || !alarm.MetricName) throw fail('it has neither Namespace and MetricName nor Metrics');
  const stat = alarm.ExtendedStatistic ?? alarm.Statistic;
  if (!stat) throw fail('it has neither Statistic nor ExtendedStatistic');
  const key: MetricKey = { namespace: alarm.Namespace, metricName: alarm.MetricName, dimensions: dimensionRecord(alarm.Dimensions) };
  const aggregate = statisticFunction(stat, fail);
  return (fromMs, toMs) => aggregate(metrics.values(key, fromMs, toMs));
}

/**
 * The alarm's metric-math value. Queries are resolved in dependency order (an expression may read
 * other expressions, like the app's `errors` = `e0 + e1 + …`), worked out once: unknown ids and
 * cycles are reported before any period is evaluated.
 */
function metricMathValue(queries: readonly MetricDataQuery[], metrics: MetricStore, fail: (problem: string) => Error): PeriodValue {
  const byId = new Map<string, MetricDataQuery>();
  for (const query of queries) {
    if (byId.has(query.Id)) throw fail(`two of its Metrics have the Id ${query.Id}`);
    byId.set(query.Id, query);
  }
  const returned = returnedQuery(queries, fail);

  const expressions = new Map<string, CompiledExpression>();
  const statistics = new Map<string, { readonly key: MetricKey; readonly aggregate: (values: readonly number[]) => number | undefined }>();
  for (const query of queries) {
    if (query.Expression !== undefined) {
      const compiled = compileExpression(query.Expression);
      const unknown = compiled.identifiers.filter((id) => !byId.has(id));
      if (unknown.length > 0) throw fail(`the expression of ${query.Id} ("${query.Expression}") uses unknown id(s) ${unknown.join(', ')}; its query ids are ${[...byId.keys()].join(', ')}`);
      expressions.set(query.Id, compiled);
    } else if (query.MetricStat) {
      const { Metric: metric, Stat: stat } = query.MetricStat;
      const key = { namespace: metric.Namespace, metricName: metric.MetricName, dimensions: dimensionRecord(metric.Dimensions) };
      statistics.set(query.Id, { key, aggregate: statisticFunction(stat, fail) });
    } else {
      throw fail(`its query ${query.Id} has neither Expression nor MetricStat`);
    }
  }

  const order = dependencyOrder([...byId.keys()], (id) => expressions.get(id)?.identifiers ?? [], fail);
  return (fromMs, toMs) => {
    const values: Record<string, number | undefined> = {};
    for (const id of order) {
      const expression = expressions.get(id);
      if (expression) {
        values[id] = expression.evaluate(Object.fromEntries(expression.identifiers.map((dependency) => [dependency, values[dependency]])));
      } else {
        const { key, aggregate } = statistics.get(id)!;
        values[id] = aggregate(metrics.values(key, fromMs, toMs));
      }
    }
    return values[returned.Id];
  };
}

/** The query whose value is the alarm's: the one with ReturnData true or, failing that, the only expression. */
function returnedQuery(queries: readonly MetricDataQuery[], fail: (problem: string) => Error): MetricDataQuery {
  const returning = queries.filter((query) => query.ReturnData === true);
  if (returning.length === 1) return returning[0];
  const expressions = queries.filter((query) => query.Expression !== undefined);
  if (returning.length === 0 && expressions.length === 1) return expressions[0];
  throw fail(`exactly one of its Metrics must have ReturnData true, but ${returning.length} do`);
}

/** Every id, each after the ids it depends on; throws on a cycle, naming it. Also orders composite alarms (alarm-watcher.ts). */
export function dependencyOrder(ids: readonly string[], dependenciesOf: (id: string) => readonly string[], fail: (problem: string) => Error): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (id: string, path: readonly string[]) => {
    if (done.has(id)) return;
    if (path.includes(id)) throw fail(`its metric-math expressions form a cycle: ${[...path.slice(path.indexOf(id)), id].join(' → ')}`);
    for (const dependency of dependenciesOf(id)) visit(dependency, [...path, id]);
    done.add(id);
    order.push(id);
  };
  for (const id of ids) visit(id, []);
  return order;
}

function dimensionRecord(dimensions: readonly Dimension[] = []): Record<string, string> {
  return Object.fromEntries(dimensions.map(({ Name, Value }) => [Name, Value]));
}

const STATISTICS: Readonly<Record<string, (values: readonly number[]) => number>> = {
  Sum: (values) => values.reduce((sum, value) => sum + value, 0),
  Average: (values) => values.reduce((sum, value) => sum + value, 0) / values.length,
  Minimum: (values) => Math.min(...values),
  Maximum: (values) => Math.max(...values),
  SampleCount: (values) => values.length,
};

/**
 * The aggregation for a CloudWatch statistic name; undefined for a period without datapoints.
 * Percentiles (p90, p99.9) use the nearest-rank method, which CloudWatch's approximate
 * percentiles agree with on the small samples of a local run.
 */
function statisticFunction(stat: string, fail: (problem: string) => Error): (values: readonly number[]) => number | undefined {
  const percentile = /^p(\d{1,2}(?:\.\d+)?|100)$/i.exec(stat);
  const aggregate = percentile ? nearestRank(Number(percentile[1])) : STATISTICS[stat];
  if (!aggregate) throw fail(`statistic ${stat} is not supported locally (supported: ${Object.keys(STATISTICS).join(', ')}, pNN)`);
  return (values) => (values.length === 0 ? undefined : aggregate(values));
}

function nearestRank(percent: number): (values: readonly number[]) => number {
  return (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.ceil((percent / 100) * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  };
}

/** Numbers as CloudWatch prints them in reasons: 6.0, 33.333333333333336. */
function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** A period's start as CloudWatch prints it in reasons: dd/MM/yy HH:mm:ss, UTC. */
function formatPeriodStart(timestampMs: number): string {
  const date = new Date(timestampMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${two(date.getUTCMonth() + 1)}/${two(date.getUTCFullYear() % 100)} `
    + `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------------
// Composite alarms: the AlarmRule over other alarms' states
// ---------------------------------------------------------------------------------------------

/** The Properties of an AWS::CloudWatch::CompositeAlarm from a synthesized template, intrinsics resolved. */
export interface CompositeAlarmDefinition {
  readonly AlarmName: string;
  readonly AlarmDescription?: string;
  readonly AlarmRule: string;
  readonly ActionsEnabled?: boolean;
  readonly AlarmActions?: readonly string[];
  readonly OKActions?: readonly string[];
  readonly InsufficientDataActions?: readonly string[];
}

/** A region's alarms as the templates declare them: metric alarms and composite alarms. */
export type AnyAlarmDefinition = AlarmDefinition | CompositeAlarmDefinition;

export function isCompositeAlarm(alarm: AnyAlarmDefinition): alarm is CompositeAlarmDefinition {
  return typeof (alarm as Partial<CompositeAlarmDefinition>).AlarmRule === 'string';
}

type RuleNode =
  | { readonly kind: 'constant'; readonly value: boolean }
  | { readonly kind: 'state'; readonly state: AlarmState; readonly alarm: string }
  | { readonly kind: 'not'; readonly operand: RuleNode }
  | { readonly kind: 'and' | 'or'; readonly left: RuleNode; readonly right: RuleNode };

/** A parsed AlarmRule: parse once, evaluate every round. */
export interface CompiledAlarmRule {
  readonly rule: string;
  /** The names of the alarms the rule reads (an ARN stands for the name after `:alarm:`), each once, in order. */
  readonly alarms: readonly string[];
  /** The rule's truth for the children's states; `stateOf` is asked only for names in `alarms`. */
  evaluate(stateOf: (alarmName: string) => AlarmState): boolean;
}

const STATE_FUNCTIONS: readonly AlarmState[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

/**
 * Parses a composite alarm's AlarmRule as CloudWatch documents it: ALARM(x), OK(x) and
 * INSUFFICIENT_DATA(x), each TRUE when alarm x is in that state; TRUE and FALSE; NOT, AND and OR
 * (binding in that order: NOT tightest, OR loosest); parentheses. x is an alarm name or ARN, in
 * double quotes or not (unquoted, it runs to the closing parenthesis). Keywords are read in any
 * case. Throws an Error naming the rule, the position and the problem.
 */
export function compileAlarmRule(rule: string): CompiledAlarmRule {
  const root = new AlarmRuleParser(rule).parse();
  const alarms: string[] = [];
  const collect = (node: RuleNode): void => {
    if (node.kind === 'state') {
      if (!alarms.includes(node.alarm)) alarms.push(node.alarm);
    } else if (node.kind === 'not') {
      collect(node.operand);
    } else if (node.kind === 'and' || node.kind === 'or') {
      collect(node.left);
      collect(node.right);
    }
  };
  collect(root);
  const evaluate = (node: RuleNode, stateOf: (alarmName: string) => AlarmState): boolean => {
    switch (node.kind) {
      case 'constant': return node.value;
      case 'state': return stateOf(node.alarm) === node.state;
      case 'not': return !evaluate(node.operand, stateOf);
      case 'and': return evaluate(node.left, stateOf) && evaluate(node.right, stateOf);
      case 'or': return evaluate(node.left, stateOf) || evaluate(node.right, stateOf);
    }
  };
  return { rule, alarms, evaluate: (stateOf) => evaluate(root, stateOf) };
}

/** The rule's truth for `states` (alarm name → state); throws for a rule it cannot parse or an alarm it has no state for. */
export function evaluateAlarmRule(rule: string, states: Readonly<Record<string, AlarmState>>): boolean {
  const compiled = compileAlarmRule(rule);
  const unknown = compiled.alarms.filter((name) => states[name] === undefined);
  if (unknown.length > 0) throw new Error(`AlarmRule "${rule}" refers to alarm(s) with no state: ${unknown.join(', ')}`);
  return compiled.evaluate((name) => states[name]);
}

/** The alarm name a rule's reference stands for: an ARN's `…:alarm:<name>`, or the name itself. */
function referencedAlarmName(reference: string): string {
  const marker = reference.indexOf(':alarm:');
  return reference.startsWith('arn:') && marker >= 0 ? reference.slice(marker + ':alarm:'.length) : reference;
}

class AlarmRuleParser {
  private position = 0;

  constructor(private readonly rule: string) {}

  parse(): RuleNode {
    const node = this.or();
    this.skipSpace();
    if (this.position < this.rule.length) throw this.fail(`unexpected "${this.rule.slice(this.position, this.position + 20)}"`);
    return node;
  }

  private or(): RuleNode {
    let node = this.and();
    while (this.keyword('OR')) node = { kind: 'or', left: node, right: this.and() };
    return node;
  }

  private and(): RuleNode {
    let node = this.not();
    while (this.keyword('AND')) node = { kind: 'and', left: node, right: this.not() };
    return node;
  }

  private not(): RuleNode {
    return this.keyword('NOT') ? { kind: 'not', operand: this.not() } : this.primary();
  }

  private primary(): RuleNode {
    this.skipSpace();
    if (this.symbol('(')) {
      const node = this.or();
      if (!this.symbol(')')) throw this.fail('expected ")"');
      return node;
    }
    if (this.keyword('TRUE')) return { kind: 'constant', value: true };
    if (this.keyword('FALSE')) return { kind: 'constant', value: false };
    const state = STATE_FUNCTIONS.find((name) => this.keyword(name, '('));
    if (!state) throw this.fail(this.position < this.rule.length ? `expected ALARM(…), OK(…), INSUFFICIENT_DATA(…), TRUE, FALSE, NOT or "(" but found "${this.rule.slice(this.position, this.position + 20)}"` : 'unexpected end of rule');
    this.symbol('(');
    const alarm = referencedAlarmName(this.reference());
    if (!this.symbol(')')) throw this.fail(`expected ")" after the alarm ${alarm}`);
    return { kind: 'state', state, alarm };
  }

  /** The alarm between a state function's parentheses: "quoted", or everything up to the ")". */
  private reference(): string {
    this.skipSpace();
    let reference: string;
    if (this.rule[this.position] === '"') {
      const end = this.rule.indexOf('"', this.position + 1);
      if (end < 0) throw this.fail('unterminated quoted alarm name');
      reference = this.rule.slice(this.position + 1, end);
      this.position = end + 1;
    } else {
      const end = this.rule.indexOf(')', this.position);
      reference = (end < 0 ? this.rule.slice(this.position) : this.rule.slice(this.position, end)).trim();
      this.position = end < 0 ? this.rule.length : end;
    }
    if (reference === '') throw this.fail('empty alarm name');
    return reference;
  }

  /** Consumes `word` (any case) when it is a whole word here, or is followed by `before` (after optional spaces). */
  private keyword(word: string, before?: string): boolean {
    this.skipSpace();
    const candidate = this.rule.slice(this.position, this.position + word.length);
    if (candidate.toUpperCase() !== word) return false;
    const rest = this.rule.slice(this.position + word.length);
    const matches = before === undefined ? !/^[A-Za-z0-9_]/.test(rest) : rest.trimStart().startsWith(before);
    if (matches) this.position += word.length;
    return matches;
  }

  private symbol(text: string): boolean {
    this.skipSpace();
    if (!this.rule.startsWith(text, this.position)) return false;
    this.position += text.length;
    return true;
  }

  private skipSpace(): void {
    while (this.position < this.rule.length && /\s/.test(this.rule[this.position])) this.position++;
  }

  private fail(problem: string): Error {
    return new Error(`AlarmRule "${this.rule}": ${problem} at position ${this.position}`);
  }
}
