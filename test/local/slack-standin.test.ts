import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliver, parseWebhookUrl } from '../../lambda/notifier';
import { LOCAL_WORKSPACE, MAX_REQUEST_BODY_BYTES, renderEmoji, SlackStandIn, slackSignature } from '../../local/slack-standin';
import { captureOutput } from '../support/output';

const SIGNING_SECRET = 'local-signing-secret-5f2b9c';

let standIn: SlackStandIn;
let base: string;

beforeEach(async () => {
  standIn = new SlackStandIn({ signingSecret: SIGNING_SECRET });
  base = await standIn.start();
});
afterEach(async () => {
  await standIn.stop();
  jest.restoreAllMocks();
});

/** POSTs a body to the stand-in: objects as JSON, strings as they are. */
function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function messagesOverHttp(query = ''): Promise<any[]> {
  const response = await fetch(`${base}/messages${query}`);
  expect(response.status).toBe(200);
  return response.json() as Promise<any[]>;
}

/** Slack's algorithm written out again, so the stand-in is checked against it rather than itself. */
function expectedSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

interface ReceivedCommand {
  readonly method?: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly fields: URLSearchParams;
}

/** A slash-command app as ours should be: verifies timestamp and signature, then answers. */
async function startApp(): Promise<{ url: string; received: ReceivedCommand[]; server: Server }> {
  const received: ReceivedCommand[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const fields = new URLSearchParams(body);
      received.push({ method: request.method, headers: request.headers, body, fields });
      const timestamp = String(request.headers['x-slack-request-timestamp']);
      if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) {
        response.writeHead(401).end('stale');
      } else if (request.headers['x-slack-signature'] !== expectedSignature(SIGNING_SECRET, timestamp, body)) {
        response.writeHead(401).end('bad signature');
      } else {
        response.writeHead(200, { 'content-type': 'text/plain' }).end(`ran ${fields.get('command')} ${fields.get('text')}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/commands`, received, server };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('slackSignature', () => {
  test("matches the worked example in Slack's request-verification docs", () => {
    const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V'
      + '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text='
      + '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN'
      + '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body))
      .toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });
});

describe('incoming webhooks', () => {
  test('a JSON post is answered "200 ok" like Slack and recorded under its channel', async () => {
    const before = Date.now();
    const response = await post('/services/alarms', { text: 'hello' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('ok');
    expect(standIn.messages).toEqual([{ receivedAt: expect.any(String), channel: 'alarms', payload: { text: 'hello' } }]);
    expect(Date.parse(standIn.messages[0].receivedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(await messagesOverHttp()).toEqual(standIn.messages);
  });

  test('webhookUrl round-trips any channel name, and a Slack-shaped path is one channel', async () => {
    expect(standIn.webhookUrl('alarms/us-east-1')).toBe(`${base}/services/alarms%2Fus-east-1`);
    await fetch(standIn.webhookUrl('alarms/us-east-1'), { method: 'POST', body: '{"text":"a"}' });
    await post('/services/T0001/B0002/XyZ', { text: 'b' });

    expect(standIn.messages.map((message) => message.channel)).toEqual(['alarms/us-east-1', 'T0001/B0002/XyZ']);
    expect(await messagesOverHttp('?channel=T0001%2FB0002%2FXyZ')).toEqual([expect.objectContaining({ payload: { text: 'b' } })]);
  });

  test.each([
    ['an empty body', ''],
    ['a body that is not JSON', 'text=hello'],
    ['JSON that is not an object', '"hello"'],
  ])('%s is 400 invalid_payload and not recorded', async (_case, body) => {
    const response = await post('/services/alarms', body);

    expect(response.status).toBe(400);
    expect(await response.text()).toBe('invalid_payload');
    expect(standIn.messages).toEqual([]);
  });

  test('a body over 1 MB is 413 and not recorded', async () => {
    const response = await post('/services/alarms', JSON.stringify({ text: 'x'.repeat(MAX_REQUEST_BODY_BYTES) }));

    expect(response.status).toBe(413);
    expect(standIn.messages).toEqual([]);
  });

  test.each([
    ['an unknown path', '/hooks/alarms'],
    ['a webhook path without a channel', '/services/'],
    ['a channel that is not valid percent-encoding', '/services/%E0%A4%A'],
  ])('%s is 404 no_service, and the stand-in keeps serving', async (_case, path) => {
    const response = await post(path, { text: 'lost' });

    expect(response.status).toBe(404);
    expect(await response.text()).toBe('no_service');
    expect((await post('/services/alarms', { text: 'still here' })).status).toBe(200);
  });

  test('a known path with the wrong method is 405 and says which methods it takes', async () => {
    const response = await fetch(`${base}/services/alarms`);

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  test('DELETE /messages clears the record', async () => {
    await post('/services/alarms', { text: 'old' });

    const response = await fetch(`${base}/messages`, { method: 'DELETE' });

    expect(response.status).toBe(204);
    expect(standIn.messages).toEqual([]);
    expect(await messagesOverHttp()).toEqual([]);
  });
});

describe('failure injection, as the notifier sees it', () => {
  beforeEach(() => { captureOutput(); });

  test('fail-next answers the next posts with the status and records none of them', async () => {
    const injected = await post('/control/fail-next', { count: 2, status: 500 });
    expect(injected.status).toBe(200);
    expect(await injected.json()).toEqual({ failNext: { count: 2, status: 500 } });

    const statuses = [];
    for (let attempt = 0; attempt < 3; attempt++) statuses.push((await post('/services/alarms', { text: `try ${attempt}` })).status);

    expect(statuses).toEqual([500, 500, 200]);
    expect(standIn.messages.map((message) => message.payload)).toEqual([{ text: 'try 2' }]);
  });

  test("the notifier's backoff rides out two 503s and its third attempt is recorded", async () => {
    await post('/control/fail-next', { count: 2, status: 503 });
    const sleeps: number[] = [];

    const result = await deliver(parseWebhookUrl(standIn.webhookUrl('alarms')), { text: ':rotating_light: ALARM' }, {
      sleep: async (ms) => { sleeps.push(ms); },
    });

    expect(result).toEqual({ outcome: 'delivered', attempts: 3, httpStatus: 200 });
    expect(sleeps).toEqual([250, 500]);
    expect(standIn.messages).toEqual([expect.objectContaining({ channel: 'alarms', payload: { text: ':rotating_light: ALARM' } })]);
  });

  test("a 429's retry-after is waited out by the notifier, and a long one ends its retries", async () => {
    const sleeps: number[] = [];
    const sleep = async (ms: number) => { sleeps.push(ms); };
    const url = parseWebhookUrl(standIn.webhookUrl('alarms'));

    await post('/control/fail-next', { count: 1, status: 429, retryAfterSeconds: 1 });
    expect(await deliver(url, { text: 'short wait' }, { sleep })).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(sleeps).toEqual([1000]);

    await post('/control/fail-next', { count: 1, status: 429, retryAfterSeconds: 60 });
    expect(await deliver(url, { text: 'long wait' }, { sleep })).toMatchObject({ outcome: 'failed', attempts: 1, httpStatus: 429 });
    expect(standIn.messages.map((message) => message.payload)).toEqual([{ text: 'short wait' }]);
  });

  test.each([
    [{ count: 0, status: 500 }, /"count" must be a whole number from 1 to 100; got 0/],
    [{ count: 101, status: 500 }, /"count"/],
    [{ count: 1.5, status: 500 }, /"count"/],
    [{ count: '2', status: 500 }, /"count".*got "2"/],
    [{ status: 500 }, /"count".*got nothing/],
    [{ count: 1, status: 200 }, /"status" must be a whole number from 400 to 599; got 200/],
    [{ count: 1, status: 600 }, /"status"/],
    [{ count: 1, status: 429, retryAfterSeconds: -1 }, /"retryAfterSeconds"/],
    ['{"count": 1,', /JSON object/],
    [[1, 500], /JSON object/],
  ])('fail-next %j is a 400 that says what to fix, and injects nothing', async (body, problem) => {
    const response = await post('/control/fail-next', body);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await response.json() as { error: string }).error).toMatch(problem);
    expect((await post('/services/alarms', { text: 'delivered' })).status).toBe(200);
  });
});

describe('slash commands', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  beforeEach(async () => { app = await startApp(); });
  afterEach(async () => { await stopServer(app.server); });

  test('are sent as Slack sends them: form-encoded, timestamped and signed with the signing secret', async () => {
    const result = await standIn.sendCommand(app.url, '/regionalapp', 'status eu-west-1', { userName: 'ada' });

    expect(result).toEqual({ status: 200, body: 'ran /regionalapp status eu-west-1' });
    const [sent] = app.received;
    expect(sent.method).toBe('POST');
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const timestamp = String(sent.headers['x-slack-request-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
    expect(sent.headers['x-slack-signature']).toBe(expectedSignature(SIGNING_SECRET, timestamp, sent.body));
    expect(Object.fromEntries(sent.fields)).toEqual({
      token: 'local',
      team_id: LOCAL_WORKSPACE.teamId,
      team_domain: LOCAL_WORKSPACE.teamDomain,
      channel_id: LOCAL_WORKSPACE.channelId,
      channel_name: LOCAL_WORKSPACE.channelName,
      user_id: expect.stringMatching(/^U[0-9A-F]{10}$/),
      user_name: 'ada',
      command: '/regionalapp',
      text: 'status eu-west-1',
      response_url: expect.stringMatching(new RegExp(`^${base}/responses/[0-9a-f-]{36}$`)),
      trigger_id: expect.any(String),
      api_app_id: LOCAL_WORKSPACE.apiAppId,
    });
  });

  test('one user name is always one user ID, and each command gets its own response_url', async () => {
    await standIn.sendCommand(app.url, '/regionalapp', 'a', { userName: 'ada' });
    await standIn.sendCommand(app.url, '/regionalapp', 'b', { userName: 'ada' });
    await standIn.sendCommand(app.url, '/regionalapp', 'c', { userName: 'grace' });

    const [first, second, third] = app.received.map((sent) => sent.fields);
    expect(second.get('user_id')).toBe(first.get('user_id'));
    expect(third.get('user_id')).not.toBe(first.get('user_id'));
    expect(second.get('response_url')).not.toBe(first.get('response_url'));
  });

  test("a delayed response posted to the command's response_url is recorded as a message", async () => {
    await standIn.sendCommand(app.url, '/regionalapp', 'status');
    const responseUrl = app.received[0].fields.get('response_url') as string;

    const response = await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"all regions healthy"}' });

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    const channel = responseUrl.slice(`${base}/`.length);
    expect(channel).toMatch(/^responses\//);
    expect(standIn.messages).toEqual([expect.objectContaining({ channel, payload: { text: 'all regions healthy' } })]);
  });

  test('an old timestamp is sent and signed as given, so the app can reject a replay', async () => {
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;

    const result = await standIn.sendCommand(app.url, '/regionalapp', 'status', { timestampSeconds: tenMinutesAgo });

    expect(result).toEqual({ status: 401, body: 'stale' });
    const [sent] = app.received;
    expect(sent.headers['x-slack-request-timestamp']).toBe(String(tenMinutesAgo));
    expect(sent.headers['x-slack-signature']).toBe(expectedSignature(SIGNING_SECRET, String(tenMinutesAgo), sent.body));
  });

  test('a command signed with another secret is rejected by the app', async () => {
    const result = await standIn.sendCommand(app.url, '/regionalapp', 'status', { signingSecret: 'forged' });

    expect(result).toEqual({ status: 401, body: 'bad signature' });
  });

  test('POST /commands sends the command and answers with what the app said', async () => {
    const response = await post('/commands', { url: app.url, command: '/regionalapp', text: 'status', userName: 'grace' });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 200, body: 'ran /regionalapp status' });
    expect(app.received.map((sent) => sent.fields.get('user_name'))).toEqual(['grace']);
  });

  test.each([
    ['malformed JSON', '{"url":', /JSON object/],
    ['no url', { command: '/regionalapp' }, /"url" must be the app's http\(s\) URL; got nothing/],
    ['no command', { url: 'http://127.0.0.1:1/x' }, /"command"/],
    ['a command without its slash', { url: 'http://127.0.0.1:1/x', command: 'regionalapp' }, /"command" must be a slash command/],
    ['an ftp url', { url: 'ftp://127.0.0.1/x', command: '/regionalapp' }, /"url".*got "ftp:/],
    ['a file url', { url: 'file:///etc/passwd', command: '/regionalapp' }, /"url"/],
    ['text that is not a string', { url: 'http://127.0.0.1:1/x', command: '/regionalapp', text: 42 }, /"text"/],
  ])('POST /commands with %s is a 400 that says why, and sends nothing', async (_case, body, problem) => {
    const response = await post('/commands', body);

    expect(response.status).toBe(400);
    expect((await response.json() as { error: string }).error).toMatch(problem);
    expect(app.received).toEqual([]);
  });

  test('an app that is not running is a 502 naming the URL and the cause, without a stack', async () => {
    const url = app.url;
    await stopServer(app.server);

    const response = await post('/commands', { url, command: '/regionalapp' });

    expect(response.status).toBe(502);
    const { error } = await response.json() as { error: string };
    expect(error).toContain(url);
    expect(error).toContain('ECONNREFUSED');
    expect(error).not.toMatch(/\n\s+at /);
    await expect(standIn.sendCommand(url, '/regionalapp', '')).rejects.toThrow(/Is the app running at that URL\?/);
  });

  test('stop() does not wait for a command relayed to an app that never answers', async () => {
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const relayed = post('/commands', { url: `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`, command: '/regionalapp' });
    relayed.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    await standIn.stop();

    expect(Date.now() - started).toBeLessThan(1000);
    await expect(relayed).rejects.toThrow();
    await stopServer(hung);
  });

  test('sendCommand refuses a URL that is not http(s)', async () => {
    await expect(standIn.sendCommand('mailto:ops@example.com', '/regionalapp', '')).rejects.toThrow('A slash command needs an http(s) app URL; got "mailto:ops@example.com".');
  });

  test('the signing secret appears in no answer and no output', async () => {
    const output = captureOutput();
    await post('/commands', { url: app.url, command: '/regionalapp', text: 'status' });
    await fetch(app.received[0].fields.get('response_url') as string, { method: 'POST', body: '{"text":"done"}' });
    await post('/commands', { url: 'http://127.0.0.1:1/', command: '/regionalapp' });

    const answers = await Promise.all([base, `${base}/messages`].map(async (url) => (await fetch(url)).text()));

    expect([...answers, output(), ...app.received.map((sent) => sent.body)].join('\n')).not.toContain(SIGNING_SECRET);
  });
});

describe('the page at /', () => {
  test('lists messages newest first, with their text or their JSON, HTML-escaped, refreshing every 3 s', async () => {
    await post('/services/alarms', { text: '<script>alert("x")</script> & more' });
    await post('/services/deploys', { blocks: [{ type: 'section' }] });

    const response = await fetch(base);
    const html = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('<meta http-equiv="refresh" content="3">');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(html).toContain('&quot;type&quot;: &quot;section&quot;');
    expect(html.indexOf('deploys')).toBeLessThan(html.indexOf('alarms'));
  });

  test('says so when nothing has arrived yet', async () => {
    expect(await (await fetch(base)).text()).toContain('No messages yet.');
  });
});

describe('lifecycle', () => {
  test('a port that is taken is a readable error naming it', async () => {
    const port = Number(new URL(base).port);
    const second = new SlackStandIn({ signingSecret: SIGNING_SECRET, port });

    await expect(second.start()).rejects.toThrow(`The Slack stand-in cannot listen on 127.0.0.1:${port}: the port is already in use.`);
    expect(() => second.url).toThrow(/not running/);
  });

  test('url throws until started and after stopping, when the port no longer answers', async () => {
    const notStarted = new SlackStandIn({ signingSecret: SIGNING_SECRET });
    expect(() => notStarted.url).toThrow('The Slack stand-in is not running: await start() before asking for its URL.');
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    await standIn.stop();

    expect(() => standIn.url).toThrow(/not running/);
    await expect(fetch(`${base}/messages`)).rejects.toThrow();
  });

  test('starting twice is refused', async () => {
    await expect(standIn.start()).rejects.toThrow(/already started/);
  });

  test('a missing signing secret is refused with what it is for', () => {
    expect(() => new SlackStandIn({ signingSecret: '' })).toThrow(/signingSecret: the one the local app verifies slash commands with/);
  });
});

describe('Slack emoji, commands and failed deliveries on the page', () => {
  test('renderEmoji shows Slack codes as emoji and leaves unknown codes and times alone', () => {
    expect(renderEmoji(':rotating_light: us-west-2 failing; :white_check_mark: us-east-1 serving :grey_question:')).toBe('🚨 us-west-2 failing; ✅ us-east-1 serving ❔');
    expect(renderEmoji(':not_an_emoji: at 12:30:45')).toBe(':not_an_emoji: at 12:30:45');
  });

  test('the page renders emoji in messages', async () => {
    await post('/services/alarms', { text: ':rotating_light: ALARM in us-east-1' });
    const html = await (await fetch(base)).text();
    expect(html).toContain('🚨 ALARM in us-east-1');
    expect(html).not.toContain(':rotating_light:');
  });

  test('the page lists failed delivery attempts', async () => {
    await post('/control/fail-next', { count: 1, status: 503 });
    expect((await post('/services/alarms', { text: 'lost' })).status).toBe(503);
    expect(standIn.failedDeliveries).toEqual([{ receivedAt: expect.any(String), channel: 'alarms', status: 503 }]);
    const html = await (await fetch(base)).text();
    expect(html).toContain('Failed delivery attempts');
    expect(html).toMatch(/<strong>alarms<\/strong> answered 503 \(injected\)/);
  });

  test('commands sent by region go to that region\'s Slack API; they and the replies are listed and shown', async () => {
    const received: { path: string; body: string }[] = [];
    const app = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => { body += chunk; });
      request.on('end', () => {
        received.push({ path: request.url ?? '', body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"response_type":"in_channel","text":":rotating_light: ada failed *us-west-2* on purpose"}');
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    try {
      standIn.setSlackApis({ 'us-west-2': appUrl });
      const response = await post('/commands', { region: 'us-west-2', text: 'fail us-west-2', userName: 'ada' });
      expect(response.status).toBe(200);
      expect(received.map((sent) => sent.path)).toEqual(['/slack/commands']);
      expect(new URLSearchParams(received[0].body).get('command')).toBe('/regionalapp');
      const listed = await (await fetch(`${base}/commands`)).json();
      expect(listed).toEqual([expect.objectContaining({ url: `${appUrl}/slack/commands`, command: '/regionalapp', text: 'fail us-west-2', userName: 'ada', status: 200 })]);
      const html = await (await fetch(base)).text();
      expect(html).toContain('/regionalapp fail us-west-2');
      expect(html).toContain('200: 🚨 ada failed *us-west-2* on purpose');

      const unknown = await post('/commands', { region: 'eu-west-9', text: 'status' });
      expect(unknown.status).toBe(400);
      expect((await unknown.json() as { error: string }).error).toContain('"region" must be one of the regions with a Slack command API (us-west-2); got "eu-west-9"');
    } finally {
      await new Promise((resolve) => app.close(resolve));
    }
  });
});
