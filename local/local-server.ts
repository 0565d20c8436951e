import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The local stand-ins for AWS endpoints (HTTP APIs, CloudFront sites, Slack) listen on 127.0.0.1
 * unless told otherwise; `port` 0 takes any free port. Resolves to the base URL.
 */
export async function listenLocally(server: Server, port = 0, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return serverUrl(server)!;
}

/** The base URL a listening server answers on; undefined when it is not listening. */
export function serverUrl(server: Server | undefined): string | undefined {
  const address = server?.address() as AddressInfo | null | undefined;
  if (!address) return undefined;
  return `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
}

/** Stops listening without waiting for idle keep-alive connections (a browser holds them open) or requests in flight. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/**
 * The whole request body, or undefined when it is larger than `maxBytes`. An oversized body is
 * still read to its end (and dropped), so the sender gets the 413 instead of a reset connection.
 */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= maxBytes) chunks.push(chunk as Buffer);
    else chunks.length = 0;
  }
  return size > maxBytes ? undefined : Buffer.concat(chunks);
}
