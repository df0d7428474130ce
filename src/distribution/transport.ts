/**
 * HTTP for registry traffic on node:http/node:https: pooled keep-alive connections (a pull makes
 * many small requests), bodies as Node streams (no web-stream conversion on 200 MB blobs),
 * certificate checks off for insecure registries, redirects followed (blob storage elsewhere)
 * without leaking credentials to another host, and errors worded like Go's net/http.
 */
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { nodeHttp, nodeHttps } from '../base/node-http.js';
import type { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { BerthError } from '../base/errors.js';
import { requestPrefix, transportError } from './errors.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /**
   * A buffer can be sent again (retries, redirects); a stream or an iterable only once. An
   * iterable's chunks are leased: each is written out before the next is asked for.
   */
  body?: Buffer | Readable | AsyncIterable<Buffer>;
  signal?: AbortSignal | undefined;
  /** Accept any certificate (insecure registries). */
  insecure: boolean;
  /** Follow 3xx for GET/HEAD (default true). */
  followRedirects?: boolean;
  /** Inactivity allowed on the connection before the request fails (ms). */
  idleTimeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** Every `WWW-Authenticate` value, one challenge each. */
  challenges: string[];
  body: IncomingMessage;
  /** Where the answer came from, after redirects. */
  url: URL;
}

export interface TransportOptions {
  userAgent: string;
  idleTimeoutMs: number;
}

const MAX_REDIRECTS = 10;

/** One pool of connections per daemon; `close()` ends them. */
export class HttpTransport {
  private readonly http = new nodeHttp.Agent({ keepAlive: true, maxSockets: 32, scheduling: 'lifo' });
  /** Made at the first https request: node:https loads TLS, ~5 MB a daemon that never pulls need not hold. */
  private tls?: { https: HttpsAgent; httpsInsecure: HttpsAgent; request: typeof httpsRequest };

  constructor(private readonly opts: TransportOptions) {}

  close(): void {
    this.http.destroy();
    this.tls?.https.destroy();
    this.tls?.httpsInsecure.destroy();
  }

  private tlsAgents(): NonNullable<HttpTransport['tls']> {
    if (!this.tls) {
      const { Agent, request } = nodeHttps();
      this.tls = { https: new Agent({ keepAlive: true, maxSockets: 32, scheduling: 'lifo' }), httpsInsecure: new Agent({ keepAlive: true, maxSockets: 32, scheduling: 'lifo', rejectUnauthorized: false }), request };
    }
    return this.tls;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let headers = { ...req.headers };
    for (let hop = 0; ; hop++) {
      const res = await this.once({ ...req, url, headers });
      const location = res.headers.location;
      const redirect = res.status >= 300 && res.status < 400 && location !== undefined && (req.followRedirects ?? true) && (req.method === 'GET' || req.method === 'HEAD');
      if (!redirect) return res;
      res.body.resume();
      if (hop >= MAX_REDIRECTS) throw new BerthError('Internal', `${requestPrefix(req.method, url)}: stopped after ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      // Blob storage (S3, a CDN) gets signed URLs, never the registry's credentials.
      if (next.origin !== url.origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      }
      url = next;
    }
  }

  private once(req: HttpRequest): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      const attempt = (retried: boolean): void => {
        const https = req.url.protocol === 'https:';
        const tls = https ? this.tlsAgents() : undefined;
        const agent = !tls ? this.http : req.insecure ? tls.httpsInsecure : tls.https;
        const streamed = req.body !== undefined && !Buffer.isBuffer(req.body);
        const headers: Record<string, string> = { 'User-Agent': this.opts.userAgent, ...req.headers };
        if (Buffer.isBuffer(req.body)) headers['Content-Length'] = String(req.body.length);
        const options = {
          method: req.method,
          // A streamed body cannot be replayed when a pooled connection turns out dead: it gets a
          // connection of its own.
          agent: streamed ? false : agent,
          headers,
          timeout: req.idleTimeoutMs ?? this.opts.idleTimeoutMs,
          ...(https && req.insecure ? { rejectUnauthorized: false } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
        };
        const cr = (tls ? tls.request : nodeHttp.request)(req.url, options, (res) => {
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            challenges: res.headersDistinct['www-authenticate'] ?? [],
            body: res,
            url: req.url,
          });
        });
        cr.on('timeout', () => cr.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
        cr.on('error', (err: NodeJS.ErrnoException) => {
          // A kept-alive connection the server closed meanwhile: try once more on a fresh one.
          if (!retried && cr.reusedSocket && !streamed && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
            attempt(true);
            return;
          }
          if (req.signal?.aborted) reject(req.signal.reason ?? err);
          else reject(transportError(req.method, req.url, err));
        });
        if (req.body instanceof Readable) {
          const body = req.body;
          body.on('error', (err) => cr.destroy(err));
          body.pipe(cr);
        } else if (streamed) {
          writeLeased(cr, req.body as AsyncIterable<Buffer>).catch((err: unknown) => cr.destroy(err as Error));
        } else cr.end(req.body);
      };
      attempt(false);
    });
  }
}

/** Writes leased chunks: the next is taken only once the last was handed to the kernel. */
async function writeLeased(out: ClientRequest, chunks: AsyncIterable<Buffer>): Promise<void> {
  for await (const c of chunks) {
    if (out.destroyed) return;
    await new Promise<void>((resolve, reject) => out.write(c, (err) => (err ? reject(err) : resolve())));
  }
  out.end();
}

/** Reads a whole (small) body, refusing more than `limit` bytes. */
export async function readBody(res: HttpResponse, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > limit) {
    res.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res.body) {
    size += (c as Buffer).length;
    if (size > limit) {
      res.body.destroy();
      throw tooLarge();
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
