// Serves the bundled handlers over HTTP the way the user API routes them, so the end-to-end suite
// can be run against real bundles without AWS. Usage: node serve-handlers.mjs <bundleDir> <routes-json>
// routes-json maps "GET /health" to a handler name. Prints the base URL once listening.
import { createServer } from 'node:http';
import * as path from 'node:path';

const [bundleDir, routesJson] = process.argv.slice(2);
const routes = JSON.parse(routesJson);
const handlers = Object.fromEntries(await Promise.all(Object.entries(routes).map(async ([key, name]) =>
  [key, (await import(path.join(bundleDir, name, 'index.mjs'))).handler])));

const server = createServer(async (request, response) => {
  const url = new URL(request.url, 'http://localhost');
  const handler = handlers[`${request.method} ${url.pathname}`];
  if (!handler) {
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
    return;
  }
  const result = await handler({ version: '2.0', rawPath: url.pathname, requestContext: { requestId: `local-${Date.now()}`, http: { method: request.method, path: url.pathname } } });
  response.writeHead(result.statusCode, result.headers).end(result.body);
});
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
