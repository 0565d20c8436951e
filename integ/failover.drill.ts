import type { RegionsAnswer } from '../lambda/shared/api-contract';
import { FORCED_FAILURE_STATUS } from '../lambda/shared/forced-failure';
import { ROUTES } from '../lib/names';
import { sendSlackRequest, signedCommand, slackEndpoint, type SlackEndpoint } from './slack-client';
import { callJson, eventually, targetFromEnv } from './target';

/**
 * The failover drill (P11; `failoverDrill` in cdk.json, off by default): the region under test is
 * failed on purpose through its signed Slack command, as an operator would; its /health must answer
 * 503 while every other deployed region (found through GET /regions, as the page finds them) keeps
 * serving; then it is recovered and must answer 200 again. Whatever happens, the region is
 * recovered before the drill ends. `npm run e2e:drill` runs it; `npm run test:e2e` runs it locally.
 */
const target = targetFromEnv();
const DRILL_USER = 'failover-drill';
/** The health handler caches the flag for up to 5 s per execution environment; 30 s is ample. */
const FLAG_TAKES_EFFECT_MS = 30_000;

let slack: SlackEndpoint;
let peers: RegionsAnswer['regions'];
let failing = false;

const command = (text: string) => sendSlackRequest(slack.commandsUrl, signedCommand(slack.signingSecret, text, { userName: DRILL_USER }));
const healthOf = async (apiUrl: string) => (await callJson(`${apiUrl}${ROUTES.health}`)).status;

beforeAll(async () => {
  slack = await slackEndpoint(target);
  const { status, body } = await callJson(`${target.apiUrl}${ROUTES.regions}`);
  if (status !== 200) throw new Error(`GET ${ROUTES.regions} answered ${status}: the drill needs the list of regions`);
  peers = (body as unknown as RegionsAnswer).regions.filter((endpoint) => endpoint.region !== target.region);
});

afterAll(async () => {
  if (failing) await command(`recover ${target.region}`);
});

describe(`failover drill in ${target.region}`, () => {
  test('the region is failed through Slack: its /health answers 503 while another region serves', async () => {
    if (peers.length === 0) throw new Error(`No other region is deployed yet: failing ${target.region} would take the app down. Run the drill once a second region serves.`);
    for (const peer of peers) expect([peer.region, await healthOf(peer.apiUrl)]).toEqual([peer.region, 200]);
    const fail = await command(`fail ${target.region}`);
    expect(fail.status).toBe(200);
    failing = true;
    await eventually(`${target.region}'s /health to answer ${FORCED_FAILURE_STATUS}`, async () => ((await healthOf(target.apiUrl)) === FORCED_FAILURE_STATUS ? true : undefined), FLAG_TAKES_EFFECT_MS);
    const serving = await Promise.all(peers.map(async (peer) => [peer.region, await healthOf(peer.apiUrl)]));
    expect(serving.filter(([, status]) => status === 200).length).toBeGreaterThan(0);
  }, 60_000);

  test('the region is recovered through Slack: its /health answers 200 again', async () => {
    expect(failing).toBe(true);
    expect((await command(`recover ${target.region}`)).status).toBe(200);
    failing = false;
    await eventually(`${target.region}'s /health to answer 200`, async () => ((await healthOf(target.apiUrl)) === 200 ? true : undefined), FLAG_TAKES_EFFECT_MS);
  }, 60_000);
});
