import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LocalStack } from './templates';
import { closeServer, listenLocally } from './local-server';

/**
 * The API's custom domain, locally (A15). Deployed, Route 53 answers the API name with the nearest
 * region whose latency record's health check is healthy; a region's check turns unhealthy after
 * `FailureThreshold` failed requests in a row to its `/health`, healthy again after as many good
 * ones. Locally one HTTP endpoint does the same per request: it checks each region's `/health`
 * with the template's threshold and forwards to the first healthy region in appRegions order
 * (standing in for "nearest"). The interval is the template's divided by LOCAL_INTERVAL_DIVISOR
 * (30 s → 1 s), so a failover takes seconds, not minutes; the threshold is kept.
 */

export const LOCAL_INTERVAL_DIVISOR = 30;
/** Route 53 counts a check as failed when no 2xx/3xx arrives within about 2 s of connecting. */
const HEALTH_CHECK_TIMEOUT_MS = 2000;

/** One latency record with its health check, as the templates define it. */
export interface LatencyRoute {
  readonly region: string;
  readonly recordName: string;
  readonly resourcePath: string;
  readonly intervalSeconds: number;
  readonly failureThreshold: number;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/**
 * Every health-checked latency record in `stacks` (a region's, from `regionStacks`). Empty when the
 * app has no custom domain: then there is nothing to stand in for.
 */
export function latencyRoutes(stacks: readonly LocalStack[]): LatencyRoute[] {
  const routes: LatencyRoute[] = [];
  for (const stack of stacks) {
    const resources = (stack.template.Resources ?? {}) as Resources;
    for (const record of Object.values(resources)) {
      const props = record.Properties ?? {};
      if (record.Type !== 'AWS::Route53::RecordSet' || typeof props.Region !== 'string' || !props.SetIdentifier) continue;
      const healthCheckRef = (props.HealthCheckId as { Ref?: string } | undefined)?.Ref;
      const config = healthCheckRef ? resources[healthCheckRef]?.Properties?.HealthCheckConfig as Record<string, unknown> | undefined : undefined;
      if (!config) continue;
      routes.push({
        region: props.Region,
        recordName: String(props.Name).replace(/\.$/, ''),
        resourcePath: String(config.ResourcePath ?? '/'),
        // Route 53's defaults when the template leaves them out.
        intervalSeconds: Number(config.RequestInterval ?? 30),
        failureThreshold: Number(config.FailureThreshold ?? 3),
      });
    }
  }
  return routes;
}

/**
 * One region's health as Route 53 keeps it: healthy at first, flipped only by `failureThreshold`
 * consecutive results the other way.
 */
export class HealthState {
  private healthyNow = true;
  private streak = 0;

  constructor(private readonly failureThreshold: number) {}

  get healthy(): boolean {
    return this.healthyNow;
  }

  /** Records one check's outcome; returns true when the status changed. */
  record(passed: boolean): boolean {
    if (passed === this.healthyNow) {
      this.streak = 0;
      return false;
    }
    this.streak += 1;
    if (this.streak < this.failureThreshold) return false;
    this.healthyNow = passed;
    this.streak = 0;
    return true;
  }
}

export interface GlobalTarget {
  readonly region: string;
  /** The region's API base URL (its local gateway). */
  readonly url: string;
  readonly route: LatencyRoute;
}

/**
 * The region a query gets: the first healthy one in order. With none healthy Route 53 answers as if
 * all were healthy, so the first region gets the traffic.
 */
export function chooseRegion(order: readonly string[], healthy: (region: string) => boolean): string {
  return order.find(healthy) ?? order[0];
}

/** A check passes on a 2xx or 3xx answer within the timeout, as Route 53's HTTP(S) checks do. */
async function checkOnce(url: string, timeoutMs = HEALTH_CHECK_TIMEOUT_MS): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.arrayBuffer();
    return response.status >= 200 && response.status < 400;
  } catch {
    return false;
  }
}

export interface GlobalEndpointOptions {
  readonly targets: readonly GlobalTarget[];
  /** Called when a region's status changes (logged by the environment). */
  readonly onChange?: (region: string, healthy: boolean) => void;
  readonly intervalDivisor?: number;
  readonly check?: (url: string) => Promise<boolean>;
}

export class GlobalEndpoint {
  private server?: Server;
  private readonly states = new Map<string, HealthState>();
  private readonly timers: NodeJS.Timeout[] = [];
  private baseUrl?: string;

  constructor(private readonly options: GlobalEndpointOptions) {
    if (options.targets.length === 0) throw new Error('The global endpoint needs at least one health-checked region');
    for (const target of options.targets) this.states.set(target.region, new HealthState(target.route.failureThreshold));
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('The global endpoint is not started');
    return this.baseUrl;
  }

  healthy(region: string): boolean {
    return this.states.get(region)?.healthy ?? false;
  }

  /** The region the next request goes to. */
  currentRegion(): string {
    return chooseRegion(this.options.targets.map((target) => target.region), (region) => this.healthy(region));
  }

  /** Runs one round of health checks (the timers call this; tests call it directly). */
  async checkAll(): Promise<void> {
    await Promise.all(this.options.targets.map((target) => this.checkTarget(target)));
  }

  private async checkTarget(target: GlobalTarget): Promise<void> {
    const passed = await (this.options.check ?? checkOnce)(new URL(target.route.resourcePath, target.url).toString());
    if (this.states.get(target.region)!.record(passed)) this.options.onChange?.(target.region, passed);
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => this.forward(req, res));
    this.baseUrl = await listenLocally(this.server, port);
    const divisor = this.options.intervalDivisor ?? LOCAL_INTERVAL_DIVISOR;
    for (const target of this.options.targets) {
      const every = Math.max(100, (target.route.intervalSeconds * 1000) / divisor);
      const timer = setInterval(() => void this.checkTarget(target), every);
      timer.unref();
      this.timers.push(timer);
    }
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await closeServer(this.server);
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const region = this.currentRegion();
    const target = new URL(req.url ?? '/', this.options.targets.find((candidate) => candidate.region === region)!.url);
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-local-routed-to': region });
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `The local global endpoint could not reach ${region}: ${error.message}` }));
    });
    req.pipe(upstream);
  }
}
