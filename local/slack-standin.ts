import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SLACK_ROUTES } from '../lib/names';
import { closeServer, listenLocally, readBody, serverUrl } from './local-server';

/**
 * The local environment's Slack: it receives what the alarm notifier (lambda/notifier.ts) posts to
 * its incoming webhook, and it sends signed slash commands to the app, so both Slack paths can be
 * exercised without a workspace. Open its base URL in a browser to watch the messages arrive.
 *
 * HTTP surface (bodies up to MAX_REQUEST_BODY_BYTES, else 413):
 *
 * - `POST /services/<channel>` — an incoming webhook. The JSON object body is recorded under
 *   `<channel>` (the rest of the path, URL-decoded) and answered `200 ok` (text/plain), as Slack does.
 *   An empty or non-JSON-object body is `400 invalid_payload`; a path without a channel is
 *   `404 no_service`.
 * - `POST /control/fail-next` with `{ "count": 2, "status": 500, "retryAfterSeconds"?: 1 }` — the next
 *   `count` (1–100) webhook posts are answered with `status` (400–599, plus a `retry-after` header
 *   if given) and not recorded, so the notifier's retries and backoff can be watched. Replaces any
 *   earlier injection. Invalid input is a 400 with `{ "error": "..." }`.
 * - `GET /messages[?channel=<channel>]` — the recorded messages as a JSON array, oldest first.
 *   `DELETE /messages` clears them (204).
 * - `POST /commands` with `{ "url", "command": "/regionalapp", "text"?, "userName"? }` — sends that
 *   slash command to the app at `url`, signed, and answers `{ "status", "body" }` with the app's reply
 *   (502 with `{ "error" }` if the app could not be reached). Instead of `url`, `"region"` sends it to
 *   that region's Slack command API (see `setSlackApis`; `command` then defaults to `/regionalapp`).
 *   Invalid input is a 400 with `{ "error" }`, and nothing is sent. `GET /commands` lists the
 *   commands sent and the app's replies, oldest first.
 * - `POST /responses/<id>` — where apps post delayed slash-command responses (the `response_url`
 *   of each command sent); recorded with channel `responses/<id>` and answered `200 ok`.
 * - `GET /` — an HTML page of the messages, newest first, with Slack emoji codes (`:rotating_light:`)
 *   shown as emoji, then the commands sent with their replies and the failed (injected) webhook
 *   deliveries; it refreshes every 3 s.
 *
 * Anything else is `404 no_service` (or 405 for a known path with another method). The signing
 * secret never appears in a response or in output.
 */

/** A webhook post or a slash-command response, as recorded. */
export interface SlackMessage {
  /** When the stand-in received it, as an ISO timestamp. */
  readonly receivedAt: string;
  /** The webhook path after /services/ (URL-decoded), or `responses/<id>`. */
  readonly channel: string;
  /** The parsed JSON body. */
  readonly payload: unknown;
}

/** What the app answered a slash command with. */
export interface SlackCommandResult {
  readonly status: number;
  readonly body: string;
}

/** A slash command the stand-in sent, and what came back (`error` when nothing did). */
export interface SentCommand {
  readonly sentAt: string;
  readonly url: string;
  readonly command: string;
  readonly text: string;
  readonly userName: string;
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

/** A webhook post the stand-in refused because a failure was injected (`POST /control/fail-next`). */
export interface FailedDelivery {
  readonly receivedAt: string;
  readonly channel: string;
  readonly status: number;
}

/** The Slack emoji the app's messages use, and a few common ones; other codes are shown as they are. */
const EMOJI: Readonly<Record<string, string>> = {
  rotating_light: '🚨',
  white_check_mark: '✅',
  grey_question: '❔',
  question: '❓',
  warning: '⚠️',
  x: '❌',
  heavy_check_mark: '✔️',
  information_source: 'ℹ️',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  fire: '🔥',
  tada: '🎉',
  rocket: '🚀',
  wrench: '🔧',
  hourglass: '⌛',
  bell: '🔔',
};

/** Slack emoji codes (`:rotating_light:`) as the emoji Slack shows; unknown codes stay as written. */
export function renderEmoji(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (code, name: string) => EMOJI[name] ?? code);
}

export interface SlackStandInOptions {
  /** The app's signing secret: slash commands are signed with it. */
  readonly signingSecret: string;
  /** 0 or undefined: any free port. */
  readonly port?: number;
  /** Default 127.0.0.1, so nothing outside this machine can post. */
  readonly host?: string;
}

export interface SendCommandOptions {
  /** Slack's user_name; user_id is derived from it, so one name is always one user. */
  readonly userName?: string;
  /** X-Slack-Request-Timestamp, default now: set an old one to test the app's replay check. */
  readonly timestampSeconds?: number;
  /** Sign with this instead of the stand-in's secret, to test that the app rejects forgeries. */
  readonly signingSecret?: string;
}

/** Larger bodies are refused (413), so a runaway sender cannot fill memory. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;
/** Oldest messages are dropped beyond this, so a long `npm start` session stays small. */
const MAX_RECORDED_MESSAGES = 1000;
/**
 * How long a slash command waits for the app. Slack itself gives up after 3 s; this is longer so a
 * cold local handler is not mistaken for a broken one.
 */
const COMMAND_TIMEOUT_MS = 10_000;
/** The user_name of commands sent without one. */
const DEFAULT_USER_NAME = 'local-developer';

/** The workspace every command comes from; configure the local app to expect these IDs. */
export const LOCAL_WORKSPACE = {
  token: 'local',
  teamId: 'T0LOCAL',
  teamDomain: 'local',
  channelId: 'C0LOCAL',
  channelName: 'local',
  apiAppId: 'A0LOCAL',
} as const;

/** v0 signature as Slack computes it: 'v0=' + hex(HMAC-SHA256(signingSecret, `v0:${timestamp}:${body}`)). */
export function slackSignature(signingSecret: string, timestampSeconds: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`;
}

interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

interface FailureInjection {
  remaining: number;
  readonly status: number;
  readonly retryAfterSeconds?: number;
}

type RouteHandler = (request: IncomingMessage, params: readonly string[], query: URLSearchParams) => Reply | Promise<Reply>;

interface Route {
  readonly path: RegExp;
  readonly methods: Readonly<Partial<Record<'GET' | 'POST' | 'DELETE', RouteHandler>>>;
}

export class SlackStandIn {
  private readonly signingSecret: string;
  private readonly port: number;
  private readonly host: string;
  private readonly recorded: SlackMessage[] = [];
  private readonly routes: readonly Route[];
  private server: Server | undefined;
  private failNext: FailureInjection | undefined;
  private readonly sent: SentCommand[] = [];
  private readonly failed: FailedDelivery[] = [];
  private slackApis: Readonly<Record<string, string>> = {};

  constructor(options: SlackStandInOptions) {
    if (typeof options.signingSecret !== 'string' || options.signingSecret === '') {
      throw new Error('SlackStandIn needs a non-empty signingSecret: the one the local app verifies slash commands with.');
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`SlackStandIn port must be a whole number from 0 to 65535 (0 = any free port); got ${port}.`);
    }
    this.signingSecret = options.signingSecret;
    this.port = port;
    this.host = options.host ?? '127.0.0.1';
    this.routes = [
      { path: /^\/$/, methods: { GET: () => this.page() } },
      { path: /^\/services\/(.*)$/, methods: { POST: (request, [channel]) => this.receiveWebhook(request, channel) } },
      { path: /^\/responses\/([\w-]{1,100})$/, methods: { POST: (request, [id]) => this.receiveResponse(request, id) } },
      { path: /^\/messages$/, methods: { GET: (_request, _params, query) => this.listMessages(query), DELETE: () => this.clearMessages() } },
      { path: /^\/control\/fail-next$/, methods: { POST: (request) => this.injectFailures(request) } },
      { path: /^\/commands$/, methods: { POST: (request) => this.relayCommand(request), GET: () => jsonReply(200, this.sent) } },
    ];
  }

  /** Starts listening; resolves to the base URL, e.g. http://127.0.0.1:4573. Rejects with a readable Error if the port is taken. */
  start(): Promise<string> {
    if (this.server) return Promise.reject(new Error('The Slack stand-in is already started; stop() it before starting it again.'));
    const server = createServer((request, response) => { void this.serve(request, response); });
    this.server = server;
    return listenLocally(server, this.port, this.host).catch((error: NodeJS.ErrnoException) => {
      this.server = undefined;
      throw new Error(startFailure(error, this.host, this.port));
    });
  }

  /** Stops listening and closes open connections; recorded messages are kept. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Without waiting for requests in flight, such as a command relayed to a hung app.
    await closeServer(server);
  }

  /** The base URL; throws if the stand-in is not running. */
  get url(): string {
    const url = serverUrl(this.server);
    if (!url) throw new Error('The Slack stand-in is not running: await start() before asking for its URL.');
    return url;
  }

  /** The incoming-webhook URL of one channel: put it in the local notifier's webhook secret. */
  webhookUrl(channel: string): string {
    return `${this.url}/services/${encodeURIComponent(channel)}`;
  }

  /** Everything recorded so far, oldest first (a copy). */
  get messages(): readonly SlackMessage[] {
    return [...this.recorded];
  }

  /** The slash commands sent so far and the app's replies, oldest first (a copy). */
  get commands(): readonly SentCommand[] {
    return [...this.sent];
  }

  /** Webhook posts refused by an injected failure, oldest first (a copy). */
  get failedDeliveries(): readonly FailedDelivery[] {
    return [...this.failed];
  }

  /** Each region's Slack command API base URL: `POST /commands` with `"region"` sends there. */
  setSlackApis(apis: Readonly<Record<string, string>>): void {
    this.slackApis = { ...apis };
  }

  /**
   * Sends a slash command as Slack would: a form-encoded body signed with the signing secret, and a
   * `response_url` on this stand-in. Returns the app's status and raw body; rejects with a readable
   * Error if the app could not be reached.
   */
  async sendCommand(appUrl: string, command: string, text: string, options: SendCommandOptions = {}): Promise<SlackCommandResult> {
    const target = httpUrl(appUrl);
    if (!target) throw new Error(`A slash command needs an http(s) app URL; got ${quote(appUrl)}.`);
    const timestamp = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
    const userName = options.userName ?? DEFAULT_USER_NAME;
    const body = new URLSearchParams({
      token: LOCAL_WORKSPACE.token,
      team_id: LOCAL_WORKSPACE.teamId,
      team_domain: LOCAL_WORKSPACE.teamDomain,
      channel_id: LOCAL_WORKSPACE.channelId,
      channel_name: LOCAL_WORKSPACE.channelName,
      user_id: userId(userName),
      user_name: userName,
      command,
      text,
      response_url: `${this.url}/responses/${randomUUID()}`,
      trigger_id: `local.${randomUUID()}`,
      api_app_id: LOCAL_WORKSPACE.apiAppId,
    }).toString();

    const entry = { sentAt: new Date().toISOString(), url: target.href, command, text, userName };
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': slackSignature(options.signingSecret ?? this.signingSecret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
        // Slack does not follow redirects either; the app sees the redirect as its answer.
        redirect: 'manual',
      });
      const result = { status: response.status, body: await response.text() };
      this.keep(this.sent, { ...entry, ...result });
      return result;
    } catch (error) {
      const message = commandFailure(error, target);
      this.keep(this.sent, { ...entry, error: message });
      throw new Error(message, { cause: error });
    }
  }

  /** Any error becomes a bare 500: the stand-in keeps running and reveals no stack. */
  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.route(request);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      console.error(`Slack stand-in: ${request.method} ${pathOf(request.url)} failed: ${name}: ${errorMessage(error)}`);
      reply = slackText(500, 'internal_error');
    }
    if (response.headersSent || response.destroyed) return;
    response.writeHead(reply.status, { 'cache-control': 'no-store', ...reply.headers }).end(reply.body);
  }

  private async route(request: IncomingMessage): Promise<Reply> {
    const target = request.url ?? '/';
    const queryStart = target.indexOf('?');
    const path = pathOf(target);
    const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1));
    for (const route of this.routes) {
      const match = route.path.exec(path);
      if (!match) continue;
      const handler = route.methods[request.method as keyof Route['methods']];
      if (!handler) {
        request.resume();
        return { ...slackText(405, 'method_not_allowed'), headers: { ...TEXT, allow: Object.keys(route.methods).join(', ') } };
      }
      return handler(request, match.slice(1), query);
    }
    request.resume();
    return slackText(404, 'no_service');
  }

  private async receiveWebhook(request: IncomingMessage, encodedChannel: string): Promise<Reply> {
    const body = (await readBody(request, MAX_REQUEST_BODY_BYTES))?.toString('utf8');
    const channel = decodePathPart(encodedChannel);
    if (!channel) return slackText(404, 'no_service');
    if (body === undefined) return slackText(413, 'request_too_large');
    const injected = this.takeInjectedFailure(channel);
    if (injected) return injected;
    return this.record(channel, body);
  }

  private async receiveResponse(request: IncomingMessage, id: string): Promise<Reply> {
    const body = (await readBody(request, MAX_REQUEST_BODY_BYTES))?.toString('utf8');
    if (body === undefined) return slackText(413, 'request_too_large');
    return this.record(`responses/${id}`, body);
  }

  private record(channel: string, body: string): Reply {
    const payload = parseJsonObject(body);
    if (!payload) return slackText(400, 'invalid_payload');
    this.recorded.push({ receivedAt: new Date().toISOString(), channel, payload });
    if (this.recorded.length > MAX_RECORDED_MESSAGES) this.recorded.shift();
    return slackText(200, 'ok');
  }

  private keep<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > MAX_RECORDED_MESSAGES) list.shift();
  }

  private takeInjectedFailure(channel: string): Reply | undefined {
    const failure = this.failNext;
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining === 0) this.failNext = undefined;
    this.keep(this.failed, { receivedAt: new Date().toISOString(), channel, status: failure.status });
    const headers = failure.retryAfterSeconds === undefined ? TEXT : { ...TEXT, 'retry-after': String(failure.retryAfterSeconds) };
    return { status: failure.status, headers, body: 'injected_failure' };
  }

  private async injectFailures(request: IncomingMessage): Promise<Reply> {
    const input = await readJsonRequest(request);
    if ('error' in input) return jsonReply(input.status, { error: input.error });
    const injection = failureInjection(input.body);
    if (typeof injection === 'string') return jsonReply(400, { error: injection });
    this.failNext = injection;
    return jsonReply(200, { failNext: { count: injection.remaining, status: injection.status, retryAfterSeconds: injection.retryAfterSeconds } });
  }

  private listMessages(query: URLSearchParams): Reply {
    const channel = query.get('channel');
    return jsonReply(200, channel === null ? this.recorded : this.recorded.filter((message) => message.channel === channel));
  }

  private clearMessages(): Reply {
    this.recorded.length = 0;
    return { status: 204 };
  }

  private async relayCommand(request: IncomingMessage): Promise<Reply> {
    const input = await readJsonRequest(request);
    if ('error' in input) return jsonReply(input.status, { error: input.error });
    const command = commandRequest(input.body, this.slackApis);
    if (typeof command === 'string') return jsonReply(400, { error: command });
    try {
      return jsonReply(200, await this.sendCommand(command.url, command.command, command.text, { userName: command.userName }));
    } catch (error) {
      return jsonReply(502, { error: errorMessage(error) });
    }
  }

  private page(): Reply {
    const items = [...this.recorded].reverse().map((message) => [
      '<li>',
      `<div class="meta"><strong>${escapeHtml(message.channel)}</strong> <time>${escapeHtml(message.receivedAt)}</time></div>`,
      `<pre>${renderEmoji(escapeHtml(displayText(message.payload)))}</pre>`,
      '</li>',
    ].join(''));
    const list = items.length === 0 ? '<p>No messages yet.</p>' : `<ol>${items.join('\n')}</ol>`;
    const commands = [...this.sent].reverse().map((sent) => [
      '<li>',
      `<div class="meta"><strong>${escapeHtml(`${sent.command} ${sent.text}`.trim())}</strong> by ${escapeHtml(sent.userName)} to ${escapeHtml(sent.url)} <time>${escapeHtml(sent.sentAt)}</time></div>`,
      `<pre>${sent.error ? `not answered: ${escapeHtml(sent.error)}` : `${sent.status}: ${renderEmoji(escapeHtml(commandReplyText(sent.body ?? '')))}`}</pre>`,
      '</li>',
    ].join(''));
    const failures = [...this.failed].reverse().map((failure) =>
      `<li><div class="meta"><strong>${escapeHtml(failure.channel)}</strong> answered ${failure.status} (injected) <time>${escapeHtml(failure.receivedAt)}</time></div></li>`);
    const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="3">
<title>Local Slack stand-in</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d1c1d; }
ol { list-style: none; padding: 0; }
li { border-left: 4px solid #4a154b; padding: 0.5rem 1rem; margin-bottom: 1rem; background: #f8f8f8; }
.meta { color: #616061; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0.5rem 0 0; }
</style>
</head>
<body>
<h1>Local Slack stand-in</h1>
<p>${this.recorded.length} message(s), newest first. This page refreshes every 3 seconds.</p>
${list}
<h2>Slash commands</h2>
${commands.length === 0 ? '<p>No commands sent yet.</p>' : `<ol>${commands.join('\n')}</ol>`}
<h2>Failed delivery attempts</h2>
${failures.length === 0 ? '<p>No failed deliveries.</p>' : `<ol>${failures.join('\n')}</ol>`}
</body>
</html>
`;
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" },
      body: html,
    };
  }
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;

/** Slack answers webhooks with short plain-text codes ("ok", "invalid_payload", "no_service"). */
function slackText(status: number, code: string): Reply {
  return { status, headers: TEXT, body: code };
}

function jsonReply(status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(value) };
}

/** A control request's JSON object body, or the error to answer with. */
async function readJsonRequest(request: IncomingMessage): Promise<{ body: Record<string, unknown> } | { status: number; error: string }> {
  const text = (await readBody(request, MAX_REQUEST_BODY_BYTES))?.toString('utf8');
  if (text === undefined) return { status: 413, error: `request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes` };
  const body = parseJsonObject(text);
  return body ? { body } : { status: 400, error: 'request body must be a JSON object' };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** A fail-next request as an injection, or what is wrong with it. */
function failureInjection(body: Record<string, unknown>): FailureInjection | string {
  const { count, status, retryAfterSeconds } = body;
  if (!isWholeNumber(count, 1, 100)) return `"count" must be a whole number from 1 to 100; got ${quote(count)}`;
  if (!isWholeNumber(status, 400, 599)) return `"status" must be a whole number from 400 to 599; got ${quote(status)}`;
  if (retryAfterSeconds !== undefined && !isWholeNumber(retryAfterSeconds, 0, 3600)) {
    return `"retryAfterSeconds" must be a whole number from 0 to 3600 when given; got ${quote(retryAfterSeconds)}`;
  }
  return { remaining: count, status, retryAfterSeconds };
}

interface CommandRequest {
  readonly url: string;
  readonly command: string;
  readonly text: string;
  readonly userName?: string;
}

/** A /commands request, checked before anything is sent, or what is wrong with it. */
function commandRequest(body: Record<string, unknown>, slackApis: Readonly<Record<string, string>>): CommandRequest | string {
  const { region, text = '', userName } = body;
  let { url, command } = body;
  if (region !== undefined) {
    const api = typeof region === 'string' ? slackApis[region] : undefined;
    if (!api) return `"region" must be one of the regions with a Slack command API (${Object.keys(slackApis).join(', ') || 'none known'}); got ${quote(region)}`;
    url = `${api.replace(/\/$/, '')}${SLACK_ROUTES.commands}`;
    command ??= '/regionalapp';
  }
  if (typeof url !== 'string' || !httpUrl(url)) return `"url" must be the app's http(s) URL; got ${quote(url)}`;
  if (typeof command !== 'string' || !/^\/\S+$/.test(command)) return `"command" must be a slash command like "/regionalapp"; got ${quote(command)}`;
  if (typeof text !== 'string') return `"text" must be a string when given; got ${quote(text)}`;
  if (userName !== undefined && (typeof userName !== 'string' || userName.trim() === '')) {
    return `"userName" must be a non-empty string when given; got ${quote(userName)}`;
  }
  return { url, command, text, userName };
}

function isWholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function httpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The path of a request target, without its query. */
function pathOf(target = '/'): string {
  const queryStart = target.indexOf('?');
  return queryStart === -1 ? target : target.slice(0, queryStart);
}

/** A URL-decoded path segment, or undefined if it is empty or not valid percent-encoding. */
function decodePathPart(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded) || undefined;
  } catch {
    return undefined;
  }
}

/** Slack-shaped user IDs (U + 10 characters), the same for the same name. */
function userId(userName: string): string {
  return `U${createHash('sha256').update(userName).digest('hex').slice(0, 10).toUpperCase()}`;
}

/** A value for an error message: JSON, cut short so a huge input does not flood the answer. */
function quote(value: unknown): string {
  const json = value === undefined ? 'nothing' : JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 59)}…` : json;
}

/** A slash-command reply's `text` (Slack's JSON reply), or the raw body. */
function commandReplyText(body: string): string {
  const text = parseJsonObject(body)?.text;
  return typeof text === 'string' ? text : body;
}

/** What the page shows: the message's `text`, or the whole payload. */
function displayText(payload: unknown): string {
  const text = (payload as { text?: unknown }).text;
  return typeof text === 'string' ? text : JSON.stringify(payload, null, 2);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function startFailure(error: NodeJS.ErrnoException, host: string, port: number): string {
  if (error.code === 'EADDRINUSE') {
    return `The Slack stand-in cannot listen on ${host}:${port}: the port is already in use. `
      + `Stop whatever holds it (lsof -i :${port}) or choose another port.`;
  }
  return `The Slack stand-in cannot listen on ${host}:${port}: ${error.code ?? error.message}.`;
}

/** Why a command did not get an answer, for a person: the app URL is the caller's own input. */
function commandFailure(error: unknown, target: URL): string {
  const { name, cause } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; cause?: { code?: unknown } };
  if (name === 'TimeoutError') return `The app at ${target.href} did not answer the slash command within ${COMMAND_TIMEOUT_MS / 1000} s.`;
  const reason = typeof cause?.code === 'string' ? cause.code : errorMessage(error);
  return `The slash command could not be sent to ${target.href} (${reason}). Is the app running at that URL?`;
}

/** An error's message, never its stack. */
function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
