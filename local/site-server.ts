import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { createServer, type Server } from 'node:http';
import { closeServer, listenLocally } from './local-server';

/**
 * The CloudFront distribution in front of the site bucket, locally: serves the bucket's objects
 * (from the S3 emulator, where the BucketDeployment put them), the default root object, the custom
 * error responses, and the headers of the distribution's managed response headers policy.
 */

export interface ErrorResponse {
  readonly ErrorCode: number;
  readonly ResponseCode?: number;
  readonly ResponsePagePath?: string;
}

/** CloudFront's managed response headers policies, by ID, as AWS documents them. */
const MANAGED_HEADER_POLICIES: Record<string, Record<string, string>> = {
  // Managed-SecurityHeadersPolicy
  '67f7725c-6f97-4210-82d7-5512b31e9d03': {
    'strict-transport-security': 'max-age=31536000',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'x-xss-protection': '1; mode=block',
    'referrer-policy': 'strict-origin-when-cross-origin',
  },
};

export interface SiteServerOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly defaultRootObject?: string;
  readonly errorResponses: readonly ErrorResponse[];
  readonly responseHeadersPolicyId?: string;
}

export class SiteServer {
  private server?: Server;
  private baseUrl?: string;

  constructor(private readonly options: SiteServerOptions) {}

  get url(): string {
    if (!this.baseUrl) throw new Error('The local site is not listening yet');
    return this.baseUrl;
  }

  async listen(port = 0): Promise<string> {
    const server = createServer((request, response) => {
      const headers = MANAGED_HEADER_POLICIES[this.options.responseHeadersPolicyId ?? ''] ?? {};
      this.object(new URL(request.url ?? '/', 'http://local').pathname)
        .then(async (found) => {
          if (found) return { status: 200, ...found };
          // S3 behind Origin Access Control answers 403 for a missing key; both map to the error page.
          const errorResponse = this.options.errorResponses.find((candidate) => candidate.ErrorCode === 403 || candidate.ErrorCode === 404);
          const page = errorResponse?.ResponsePagePath ? await this.object(errorResponse.ResponsePagePath) : undefined;
          return { status: errorResponse?.ResponseCode ?? 403, body: page?.body ?? Buffer.from('Access Denied'), contentType: page?.contentType ?? 'text/plain' };
        })
        .then(({ status, body, contentType }) => {
          response.writeHead(status, { ...headers, 'content-type': contentType, 'cache-control': 'no-cache' }).end(request.method === 'HEAD' ? undefined : body);
        })
        .catch(() => {
          if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway');
        });
    });
    this.baseUrl = await listenLocally(server, port);
    this.server = server;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  private async object(pathname: string): Promise<{ body: Buffer; contentType: string } | undefined> {
    let key: string;
    try {
      key = decodeURIComponent(pathname).replace(/^\/+/, '');
    } catch {
      return undefined;
    }
    if (key === '' && this.options.defaultRootObject) key = this.options.defaultRootObject;
    if (key === '' || key.split('/').includes('..')) return undefined;
    try {
      const object = await this.options.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return { body: Buffer.from(await object.Body!.transformToByteArray()), contentType: object.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}
