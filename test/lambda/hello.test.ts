import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { greeting, handler } from '../../lambda/hello';
import { handler as health } from '../../lambda/health';

const event = { requestContext: { requestId: 'req-1' } } as APIGatewayProxyEventV2;

describe('hello and health', () => {
  const region = process.env.AWS_REGION;
  beforeEach(() => { process.env.AWS_REGION = 'ap-southeast-2'; });
  afterAll(() => { process.env.AWS_REGION = region; });

  test('greets from the region it runs in', async () => {
    const response = await handler(event);
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(response.body!)).toEqual({ message: 'hello from ap-southeast-2', region: 'ap-southeast-2' });
    expect(greeting('us-west-2')).toBe('hello from us-west-2');
  });

  test('health reports the region up and is never cached', async () => {
    const response = await health();
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['cache-control']).toBe('no-store');
    expect(JSON.parse(response.body!)).toEqual({ status: 'ok', region: 'ap-southeast-2' });
  });

  test('without AWS_REGION the handler fails loudly instead of greeting from nowhere', async () => {
    delete process.env.AWS_REGION;
    await expect(handler(event)).rejects.toThrow('AWS_REGION is not set');
  });
});
