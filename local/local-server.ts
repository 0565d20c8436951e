import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The local stand-ins for AWS endpoints (HTTP APIs, CloudFront sites) listen on 127.0.0.1 only;
 * `port` 0 takes any free port. Resolves to the base URL.
 */
export async function listenLocally(server: Server, port = 0): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops listening without waiting for idle keep-alive connections (a browser holds them open). */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
