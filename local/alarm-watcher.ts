import { DescribeAlarmsCommand, SetAlarmStateCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  compileAlarmRule, dependencyOrder, evaluateAlarm, isCompositeAlarm,
  type AlarmDefinition, type AlarmEvaluation, type AlarmState, type AnyAlarmDefinition, type CompiledAlarmRule, type CompositeAlarmDefinition,
} from './alarm-evaluator';
import { alarmArn, type AlarmTransition, type TriggeringChild } from './alarm-message';
import type { MetricStore } from './metric-store';

/**
 * The evaluation loop against the emulator: each round it evaluates a region's alarms, writes
 * changes back to moto_server with SetAlarmState, and hands every transition on (the local
 * environment publishes it to the alarm's actions, which is how the Slack notifier path is
 * exercised locally).
 */

/** DescribeAlarms takes at most 100 AlarmNames; one call per round keeps the states consistent. */
const MAX_ALARMS = 100;

export interface AlarmWatcherOptions {
  /** The region the alarms are in (for messages and logs). */
  readonly region: string;
  readonly accountId: string;
  /** The region's alarms: metric alarms (in the emulator already) and composite alarms (kept here only). */
  readonly alarms: readonly AnyAlarmDefinition[];
  readonly metrics: MetricStore;
  /** A client pointed at moto_server, where the metric alarms exist already. */
  readonly cloudwatch: CloudWatchClient;
  /** Called once per state change, in order; typically publishes `alarmSnsMessage` to the alarm's actions. */
  readonly onTransition: (transition: AlarmTransition) => Promise<void>;
  readonly now?: () => number;
}

interface StoredState {
  readonly state: AlarmState;
  readonly reason?: string;
  readonly updatedAt?: Date;
}

interface Composite {
  readonly alarm: CompositeAlarmDefinition;
  readonly rule?: CompiledAlarmRule;
  /** Why the composite cannot be evaluated locally, when it cannot. */
  readonly problem?: string;
}

/** The composites, each after the composites its rule reads; a rule that does not parse, or a cycle, is a problem. */
function compositesInOrder(alarms: readonly CompositeAlarmDefinition[]): Composite[] {
  const composites = new Map(alarms.map((alarm): [string, Composite] => {
    try {
      return [alarm.AlarmName, { alarm, rule: compileAlarmRule(alarm.AlarmRule) }];
    } catch (error) {
      return [alarm.AlarmName, { alarm, problem: error instanceof Error ? error.message : String(error) }];
    }
  }));
  try {
    const order = dependencyOrder([...composites.keys()], (name) => (composites.get(name)?.rule?.alarms ?? []).filter((child) => composites.has(child)), (problem) => new Error(`Composite alarms: ${problem}`));
    return order.map((name) => composites.get(name)!);
  } catch (error) {
    // CloudWatch refuses a rule cycle when the alarms are created; locally none of them is evaluated.
    return [...composites.values()].map((composite) => ({ alarm: composite.alarm, problem: (error as Error).message }));
  }
}

/**
 * Evaluates one region's alarms, round by round. The emulator holds each metric alarm's state, so a
 * SetAlarmState by a user or a test (the way to rehearse the Slack path) is a transition too.
 * Composite alarms live here only (moto has no PutCompositeAlarm, so SetAlarmState cannot reach
 * them): each round, after the metric alarms, each composite's AlarmRule is evaluated over its
 * children's states of that round — ALARM when the rule is TRUE, OK when it is FALSE — and a change
 * is reported like a metric alarm's, naming the child that caused it. A composite starts in OK, as
 * moto starts metric alarms (CloudWatch starts both in INSUFFICIENT_DATA and evaluates them at
 * once), so a fresh start reports nothing while everything is fine.
 */
export class AlarmWatcher {
  /** The state of each metric alarm as of the end of the last round; absent before the first. */
  private readonly knownStates = new Map<string, AlarmState>();
  /** Each composite alarm's state. */
  private readonly compositeStates = new Map<string, AlarmState>();
  /** When each alarm entered its current state, as far as the watcher saw: composites name the child that changed last. */
  private readonly enteredAt = new Map<string, number>();
  /** Problems already logged, so a broken alarm is reported once, not every round. */
  private readonly loggedProblems = new Set<string>();
  private readonly metricAlarms: readonly AlarmDefinition[];
  private readonly composites: readonly Composite[];
  private readonly now: () => number;

  constructor(private readonly options: AlarmWatcherOptions) {
    this.metricAlarms = options.alarms.filter((alarm): alarm is AlarmDefinition => !isCompositeAlarm(alarm));
    if (this.metricAlarms.length > MAX_ALARMS) {
      throw new Error(`AlarmWatcher for ${options.region} got ${this.metricAlarms.length} metric alarms; at most ${MAX_ALARMS} are read per DescribeAlarms call. Split them over several watchers.`);
    }
    this.composites = compositesInOrder(options.alarms.filter(isCompositeAlarm));
    this.now = options.now ?? Date.now;
  }

  /**
   * One evaluation round. Reads every alarm's state from the emulator in one DescribeAlarms call: a
   * state that changed since the last round is reported as a transition (old = the state the
   * watcher last knew). Then evaluates each alarm and, when the result differs from the stored
   * state, writes it with SetAlarmState and reports that transition. Transitions are reported one at
   * a time, in the order they happen. The first round only learns the initial states, though
   * evaluation may still change them. Then come the composite alarms (see the class). An error from
   * onTransition is logged with the alarm's name and does not stop the round; an alarm that cannot
   * be evaluated is logged once and skipped, and so is a composite whose rule reads it.
   */
  async tick(): Promise<void> {
    const { cloudwatch, metrics } = this.options;
    const nowMs = this.now();
    const stored = await this.storedStates();
    /** Every alarm's state as of this round, for the composites' rules. */
    const states = new Map<string, AlarmState>();

    for (const alarm of this.metricAlarms) {
      const name = alarm.AlarmName;
      const current = stored.get(name);
      if (!current) {
        this.logOnce(`Alarm ${name} is not in the CloudWatch emulator for ${this.options.region}; it is skipped until its stack is deployed locally.`);
        continue;
      }
      const known = this.knownStates.get(name);
      this.knownStates.set(name, current.state);
      states.set(name, current.state);
      if (known !== current.state) this.enteredAt.set(name, current.updatedAt?.getTime() ?? nowMs);
      if (known !== undefined && known !== current.state) {
        await this.report({
          alarm,
          oldState: known,
          newState: current.state,
          reason: current.reason ?? 'The state was set outside the alarm evaluator.',
          timestamp: (current.updatedAt ?? new Date(nowMs)).toISOString(),
        });
      }

      let evaluation: AlarmEvaluation;
      try {
        evaluation = evaluateAlarm(alarm, metrics, nowMs, current.state);
      } catch (error) {
        this.logOnce(`Alarm ${name} cannot be evaluated locally and is skipped: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      if (evaluation.state === current.state) continue;

      await cloudwatch.send(new SetAlarmStateCommand({
        AlarmName: name,
        StateValue: evaluation.state,
        StateReason: evaluation.reason,
        StateReasonData: JSON.stringify({
          version: '1.0',
          queryDate: new Date(nowMs).toISOString(),
          recentDatapoints: evaluation.recentDatapoints ?? [],
          threshold: alarm.Threshold,
        }),
      }));
      this.knownStates.set(name, evaluation.state);
      states.set(name, evaluation.state);
      this.enteredAt.set(name, nowMs);
      await this.report({ alarm, oldState: current.state, newState: evaluation.state, reason: evaluation.reason, timestamp: new Date(nowMs).toISOString() });
    }

    await this.evaluateComposites(states, nowMs);
  }

  /** Each composite in order (children first), from `states`, which it extends with its own. */
  private async evaluateComposites(states: Map<string, AlarmState>, nowMs: number): Promise<void> {
    for (const { alarm, rule, problem } of this.composites) {
      const name = alarm.AlarmName;
      if (!rule) {
        this.logOnce(`Composite alarm ${name} cannot be evaluated locally and is skipped: ${problem}`);
        continue;
      }
      const unknown = rule.alarms.filter((child) => !states.has(child));
      if (unknown.length > 0) {
        this.logOnce(`Composite alarm ${name} is skipped: its rule reads ${unknown.join(', ')}, with no state in ${this.options.region} (not deployed locally, or not evaluated).`);
        continue;
      }
      const value = rule.evaluate((child) => states.get(child)!);
      const newState: AlarmState = value ? 'ALARM' : 'OK';
      const oldState = this.compositeStates.get(name) ?? 'OK';
      this.compositeStates.set(name, newState);
      states.set(name, newState);
      if (newState === oldState) continue;

      this.enteredAt.set(name, nowMs);
      const trigger = this.triggeringChild(rule, states);
      await this.report({
        alarm,
        oldState,
        newState,
        reason: compositeReason(trigger, rule, value),
        timestamp: new Date(nowMs).toISOString(),
        triggeringChildren: trigger ? [trigger] : [],
      });
    }
  }

  /** The child the rule reads that changed state last (the first of them in the rule, on a tie). */
  private triggeringChild(rule: CompiledAlarmRule, states: ReadonlyMap<string, AlarmState>): TriggeringChild | undefined {
    let latest: { name: string; at: number } | undefined;
    for (const name of rule.alarms) {
      const at = this.enteredAt.get(name);
      if (at !== undefined && (!latest || at > latest.at)) latest = { name, at };
    }
    if (!latest) return undefined;
    return { arn: alarmArn(this.options.region, this.options.accountId, latest.name), state: states.get(latest.name)!, timestamp: new Date(latest.at).toISOString() };
  }

  private async storedStates(): Promise<Map<string, StoredState>> {
    if (this.metricAlarms.length === 0) return new Map();
    const response = await this.options.cloudwatch.send(new DescribeAlarmsCommand({
      AlarmNames: this.metricAlarms.map((alarm) => alarm.AlarmName),
      MaxRecords: MAX_ALARMS,
    }));
    return new Map((response.MetricAlarms ?? [])
      .filter((alarm) => alarm.AlarmName && alarm.StateValue)
      .map((alarm) => [alarm.AlarmName!, { state: alarm.StateValue as AlarmState, reason: alarm.StateReason, updatedAt: alarm.StateUpdatedTimestamp }]));
  }

  private async report(transition: AlarmTransition): Promise<void> {
    try {
      await this.options.onTransition(transition);
    } catch (error) {
      console.error(`Reporting the ${transition.oldState} → ${transition.newState} transition of alarm ${transition.alarm.AlarmName} failed:`, error);
    }
  }

  private logOnce(problem: string): void {
    if (this.loggedProblems.has(problem)) return;
    this.loggedProblems.add(problem);
    console.error(problem);
  }
}

/** A composite's reason as CloudWatch writes it: `<child ARN> transitioned to ALARM at Wednesday 01 May, 2024 12:00:10 UTC`. */
function compositeReason(child: TriggeringChild | undefined, rule: CompiledAlarmRule, value: boolean): string {
  if (!child) return `The alarm rule ${rule.rule} evaluated to ${value ? 'TRUE' : 'FALSE'}.`;
  return `${child.arn} transitioned to ${child.state} at ${formatLongDate(Date.parse(child.timestamp))}`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function formatLongDate(timestampMs: number): string {
  const date = new Date(timestampMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[date.getUTCDay()]} ${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]}, ${date.getUTCFullYear()} `
    + `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC`;
}
