import { ROUTES } from '../lib/names';
import { callJson, targetFromEnv } from './target';

const target = targetFromEnv();

describe(`RegionalApp public routes in ${target.region}`, () => {
  test('/health says the region is up', async () => {
    const { status, body } = await callJson(`${target.apiUrl}${ROUTES.health}`);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', region: target.region });
  });

  test('an unknown route answers a JSON 404', async () => {
    const { status } = await callJson(`${target.apiUrl}/no-such-route`);
    expect(status).toBe(404);
  });
});
