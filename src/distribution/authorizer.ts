/**
 * Credentials for requests to one registry endpoint, as docker/distribution's auth package does
 * it: the ping's challenges decide the scheme. Bearer: a token for the session's scopes (plus the
 * source repository's pull scope for a cross-repository mount), fetched with GET and Basic
 * credentials, or with the OAuth2 POST form when an identity (refresh) token is known, and cached
 * until it expires. Basic: the username and password on every request.
 */
import type { RegistryCredentials } from './types.js';
import { BerthError } from '../base/errors.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { errorFromResponse, requestPrefix } from './errors.js';
import { readBody, type HttpTransport } from './transport.js';

/** docker/distribution's floor on token lifetimes. */
const MIN_TOKEN_SECONDS = 60;
const CLIENT_ID = 'docker';
const TOKEN_BODY_MAX = 1 << 20;

export interface AuthorizerOptions {
  transport: HttpTransport;
  insecure: boolean;
  /** Challenges of the ping (`GET /v2/`). */
  challenges: string[];
  auth: RegistryCredentials | undefined;
  /** Scopes every token asks for (`repository:team/app:pull,push`). */
  scopes: string[];
  /** Ask the token server for a refresh token too (docker login). */
  offline?: boolean;
}

interface CachedToken {
  token: string;
  expires: number;
}

export class Authorizer {
  private readonly bearer: Challenge | undefined;
  private readonly basic: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  /** A refresh token the token server issued (login's identity token). */
  refreshToken: string | undefined;

  constructor(private readonly opts: AuthorizerOptions) {
    const challenges = parseChallenges(opts.challenges);
    this.bearer = challenges.find((c) => c.scheme === 'bearer');
    this.basic = challenges.find((c) => c.scheme === 'basic');
    this.refreshToken = opts.auth?.identityToken || undefined;
  }

  get requiresAuth(): boolean {
    return this.bearer !== undefined || this.basic !== undefined;
  }

  /** Forgets cached tokens (a 401 with a token in hand: it expired or was revoked). */
  invalidate(): void {
    this.tokens.clear();
  }

  /**
   * The Authorization header for a request (undefined when the registry asked for none).
   * `resource` and `method` only word errors as Docker does: a failed token fetch is reported
   * against the request it was for.
   */
  async header(method: string, resource: URL, extraScopes: string[], signal?: AbortSignal): Promise<string | undefined> {
    const auth = this.opts.auth;
    if (this.bearer) {
      if (auth?.registryToken) return `Bearer ${auth.registryToken}`;
      const token = await this.token(extraScopes, signal).catch((err: unknown) => {
        throw wrapAs(method, resource, err);
      });
      return `Bearer ${token}`;
    }
    if (this.basic) {
      if (auth?.username && auth.password) return basicHeader(auth.username, auth.password);
      throw new BerthError('Unauthorized', `${requestPrefix(method, resource)}: no basic auth credentials`);
    }
    return undefined;
  }

  private async token(extraScopes: string[], signal?: AbortSignal): Promise<string> {
    const scopes = [...this.opts.scopes];
    for (const s of extraScopes) if (!scopes.includes(s)) scopes.push(s);
    const key = scopes.join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return cached.token;
    const fetched = this.refreshToken ? await this.fetchOAuth(scopes, signal) : await this.fetchGet(scopes, signal);
    this.tokens.set(key, fetched);
    return fetched.token;
  }

  private realm(): URL {
    const realm = this.bearer?.params.realm;
    if (!realm) throw new BerthError('Internal', 'no realm specified for token auth challenge');
    try {
      return new URL(realm);
    } catch {
      throw new BerthError('Internal', `invalid token auth challenge realm: ${realm}`);
    }
  }

  /** The token spec's GET, with Basic credentials when there are some. */
  private async fetchGet(scopes: string[], signal?: AbortSignal): Promise<CachedToken> {
    const url = this.realm();
    const service = this.bearer?.params.service;
    if (service) url.searchParams.append('service', service);
    for (const s of scopes) url.searchParams.append('scope', s);
    if (this.opts.offline) {
      url.searchParams.append('offline_token', 'true');
      url.searchParams.append('client_id', CLIENT_ID);
    }
    const headers: Record<string, string> = {};
    const auth = this.opts.auth;
    if (auth?.username && auth.password) {
      url.searchParams.append('account', auth.username);
      headers.Authorization = basicHeader(auth.username, auth.password);
    }
    return this.exchange({ method: 'GET', url, headers, signal });
  }

  /** OAuth2's POST form: the refresh_token grant with an identity token. */
  private async fetchOAuth(scopes: string[], signal?: AbortSignal): Promise<CachedToken> {
    const form = new URLSearchParams();
    form.set('scope', scopes.join(' '));
    form.set('service', this.bearer?.params.service ?? '');
    form.set('client_id', CLIENT_ID);
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', this.refreshToken ?? '');
    const body = Buffer.from(form.toString());
    return this.exchange({ method: 'POST', url: this.realm(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body, signal });
  }

  private async exchange(req: { method: string; url: URL; headers: Record<string, string>; body?: Buffer; signal?: AbortSignal | undefined }): Promise<CachedToken> {
    const res = await this.opts.transport.request({ ...req, insecure: this.opts.insecure });
    const body = await readBody(res, TOKEN_BODY_MAX, () => new BerthError('Internal', 'token response too large'));
    if (res.status < 200 || res.status > 399) throw errorFromResponse(res.status, res.statusText, res.headers, res.challenges, body);
    let doc: { token?: string; access_token?: string; expires_in?: number; issued_at?: string; refresh_token?: string };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch (err) {
      throw new BerthError('Internal', `unable to decode token response: ${(err as Error).message}`);
    }
    const token = doc.access_token || doc.token;
    if (!token) throw new BerthError('Unauthorized', 'authorization server did not include a token in the response');
    if (doc.refresh_token && doc.refresh_token !== this.refreshToken) this.refreshToken = doc.refresh_token;
    const lifetime = Math.max(MIN_TOKEN_SECONDS, Number(doc.expires_in) || 0);
    const issued = Date.parse(doc.issued_at ?? '') || Date.now();
    // A little early, so a token does not expire between being read here and being checked there.
    return { token, expires: issued + lifetime * 1000 - 5_000 };
  }
}

export function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A token failure reads as a failure of the request it was for, as Go's url.Error prints it. */
function wrapAs(method: string, resource: URL, err: unknown): unknown {
  if (!(err instanceof BerthError) || err.message.startsWith(requestPrefix(method, resource))) return err;
  const wrapped = new BerthError(err.kind, `${requestPrefix(method, resource)}: ${err.message}`, { cause: err, ...(err.code ? { code: err.code } : {}) });
  return wrapped;
}
