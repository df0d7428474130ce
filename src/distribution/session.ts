/**
 * Requests to one registry endpoint with its credentials: the ping that discovers how it
 * authenticates, then every request carrying the Authorization the authorizer decides.
 */
import type { Readable } from 'node:stream';
import { BerthError } from '../base/errors.js';
import { Authorizer } from './authorizer.js';
import type { Endpoint } from './endpoints.js';
import { errorFromResponse, TransportError } from './errors.js';
import { readBody, type HttpResponse, type HttpTransport } from './transport.js';
import type { RegistryCredentials } from './types.js';

/** moby's ping timeout: a registry that does not answer `/v2/` within this is given up. */
export const PING_TIMEOUT_MS = 15_000;
const ERROR_BODY_MAX = 1 << 20;

export interface SendOptions {
  headers?: Record<string, string>;
  body?: Buffer | Readable | AsyncIterable<Buffer>;
  /** Scopes beyond the session's (a mount's source repository). */
  extraScopes?: string[];
  signal?: AbortSignal | undefined;
  followRedirects?: boolean;
}

/** The ping: `GET /v2/` without credentials; its challenges say how to authenticate. */
export async function ping(transport: HttpTransport, endpoint: Endpoint, signal?: AbortSignal): Promise<string[]> {
  const res = await transport.request({ method: 'GET', url: new URL('/v2/', endpoint.url), insecure: endpoint.insecure, signal, idleTimeoutMs: PING_TIMEOUT_MS });
  res.body.resume();
  return res.status === 401 ? res.challenges : [];
}

export class EndpointSession {
  constructor(
    readonly endpoint: Endpoint,
    readonly authorizer: Authorizer,
    private readonly transport: HttpTransport,
  ) {}

  /** Pings `endpoint` and returns a session for `scopes` on it. */
  static async open(transport: HttpTransport, endpoint: Endpoint, auth: RegistryCredentials | undefined, scopes: string[], signal?: AbortSignal, offline = false): Promise<EndpointSession> {
    const challenges = await ping(transport, endpoint, signal);
    const authorizer = new Authorizer({ transport, insecure: endpoint.insecure, challenges, auth, scopes, offline });
    return new EndpointSession(endpoint, authorizer, transport);
  }

  url(path: string): URL {
    return new URL(path, this.endpoint.url);
  }

  /**
   * Sends a request; a 401 while holding a cached token is retried once with a fresh token (it
   * may have expired on the server first). Any status comes back: the caller decides.
   */
  async send(method: string, path: string | URL, opts: SendOptions = {}): Promise<HttpResponse> {
    const url = typeof path === 'string' ? this.url(path) : path;
    const replayable = !(opts.body !== undefined && !Buffer.isBuffer(opts.body));
    for (let attempt = 0; ; attempt++) {
      const auth = await this.authorizer.header(method, url, opts.extraScopes ?? [], opts.signal);
      const headers = { ...opts.headers, ...(auth ? { Authorization: auth } : {}) };
      const res = await this.transport.request({
        method,
        url,
        headers,
        insecure: this.endpoint.insecure,
        signal: opts.signal,
        ...(opts.body !== undefined ? { body: opts.body } : {}),
        ...(opts.followRedirects !== undefined ? { followRedirects: opts.followRedirects } : {}),
      });
      if (res.status === 401 && attempt === 0 && replayable && auth?.startsWith('Bearer ') && !hasOAuthError(res)) {
        res.body.resume();
        this.authorizer.invalidate();
        continue;
      }
      return res;
    }
  }

  /** Reads an error answer and throws it as Docker words it. */
  async fail(res: HttpResponse): Promise<never> {
    const body = await readBody(res, ERROR_BODY_MAX, () => new BerthError('Internal', 'error response too large')).catch(() => Buffer.alloc(0));
    throw errorFromResponse(res.status, res.statusText, res.headers, res.challenges, body);
  }
}

/** A 401 that already says why (insufficient scope): a fresh token would not change it. */
function hasOAuthError(res: HttpResponse): boolean {
  return res.challenges.some((c) => /error="?insufficient_scope/.test(c));
}

/** Transport failures (no HTTP answer at all) are what lets a client try the next endpoint. */
export function isTransportFailure(err: unknown): boolean {
  return err instanceof TransportError;
}
