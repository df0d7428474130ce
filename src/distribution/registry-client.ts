/**
 * berthd's registry client: opens repositories for pulls and pushes (endpoint choice, ping, auth),
 * checks credentials for `docker login`, and searches registries that offer the v1 search API.
 */
import { BerthError, invalidArgument } from '../base/errors.js';
import type { FilterArgs } from '../base/filters.js';
import type { Logger } from '../base/log.js';
import { basicHeader } from './authorizer.js';
import { DOCKER_HUB, hostOfServerAddress, RegistryConfig, type Endpoint } from './endpoints.js';
import { RegistryRepository } from './repository.js';
import { EndpointSession, isTransportFailure, PING_TIMEOUT_MS } from './session.js';
import { HttpTransport, readBody } from './transport.js';
import type { RegistryCredentials, RegistrySettings } from './types.js';

export interface RegistryClientOptions {
  userAgent: string;
  /** Read at each operation: daemon.json can change on reload. */
  settings: () => RegistrySettings;
  log: Logger;
  /** Inactivity allowed on a registry connection before it is given up (ms). */
  idleTimeoutMs?: number;
}

export interface OpenOptions {
  auth: RegistryCredentials | undefined;
  push: boolean;
  signal?: AbortSignal | undefined;
}

export interface LoginResult {
  status: string;
  identityToken: string;
}

/** One result of `GET /images/search` (Docker Hub's v1 search API, as the engine relays it). */
export interface SearchResult {
  name: string;
  description: string;
  isOfficial: boolean;
  isAutomated: boolean;
  starCount: number;
}

const SEARCH_FILTERS = ['is-automated', 'is-official', 'stars'] as const;

export class RegistryClient {
  private readonly transport: HttpTransport;
  private configCache: { settings: RegistrySettings; config: RegistryConfig } | undefined;

  constructor(private readonly opts: RegistryClientOptions) {
    this.transport = new HttpTransport({ userAgent: opts.userAgent, idleTimeoutMs: opts.idleTimeoutMs ?? 60_000 });
  }

  close(): void {
    this.transport.close();
  }

  /** The validated settings (what `docker info` shows as RegistryConfig). */
  config(): RegistryConfig {
    const settings = this.opts.settings();
    if (this.configCache?.settings !== settings) this.configCache = { settings, config: new RegistryConfig(settings) };
    return this.configCache.config;
  }

  async openRepository(host: string, path: string, opts: OpenOptions): Promise<RegistryRepository> {
    const endpoints = await this.config().endpoints(host, !opts.push);
    const scopes = [`repository:${path}:${opts.push ? 'push,pull' : 'pull'}`];
    const sessions: EndpointSession[] = [];
    let lastError: unknown;
    for (const [i, endpoint] of endpoints.entries()) {
      try {
        sessions.push(await EndpointSession.open(this.transport, endpoint, opts.auth, scopes, opts.signal));
        if (!endpoint.mirror) break;
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        lastError = err;
        this.opts.log.debug('registry endpoint failed', { endpoint: endpoint.url.href, error: (err as Error).message });
        // A mirror that is down is skipped; the registry itself only falls back from HTTPS to
        // HTTP, and only when HTTPS got no HTTP answer at all.
        const next = endpoints[i + 1];
        if (endpoint.mirror || (isTransportFailure(err) && next !== undefined)) continue;
        if (sessions.length > 0) break;
        throw err;
      }
    }
    if (sessions.length === 0) throw lastError ?? new BerthError('Internal', `no endpoints found for ${host}`);
    // Mirrors answered but the registry did not: if the mirrors lack the image, that is the error.
    const unreachable = sessions.every((s) => s.endpoint.mirror) ? lastError : undefined;
    return new RegistryRepository(host, path, sessions, unreachable);
  }

  /**
   * `POST /auth`: pings the registry, follows its challenge with the credentials and answers as
   * moby does. A refresh token the token server issued comes back as the identity token.
   */
  async login(auth: RegistryCredentials, signal?: AbortSignal): Promise<LoginResult> {
    const host = auth.serverAddress ? hostOfServerAddress(auth.serverAddress) : 'index.docker.io';
    if (auth.serverAddress && !/^[^/\s]+$/.test(host)) throw invalidArgument(`unable to parse server address: ${auth.serverAddress}`);
    const endpoints = await this.config().endpoints(host === 'index.docker.io' ? DOCKER_HUB : host, false);
    let lastError: unknown;
    for (const [i, endpoint] of endpoints.entries()) {
      try {
        return await this.loginTo(endpoint, auth, signal);
      } catch (err) {
        lastError = err;
        if (signal?.aborted || !isTransportFailure(err) || endpoints[i + 1] === undefined) throw err;
      }
    }
    throw lastError;
  }

  private async loginTo(endpoint: Endpoint, auth: RegistryCredentials, signal?: AbortSignal): Promise<LoginResult> {
    const session = await EndpointSession.open(this.transport, endpoint, auth, [], signal, true);
    const url = session.url('/v2/');
    let res;
    try {
      res = await session.send('GET', url, { signal });
    } catch (err) {
      // The token server refused the credentials (or they were missing): a 401 for the client.
      if (err instanceof BerthError && !isTransportFailure(err) && (err.kind === 'Unauthorized' || err.kind === 'Forbidden')) {
        throw new BerthError('Unauthorized', err.message, { cause: err });
      }
      throw err;
    }
    res.body.resume();
    if (res.status !== 200) {
      const kind = res.status === 401 || res.status === 403 ? 'Unauthorized' : 'Internal';
      throw new BerthError(kind, `login attempt to ${url.href} failed with status: ${res.status} ${res.statusText}`);
    }
    return { status: 'Login Succeeded', identityToken: session.authorizer.refreshToken ?? '' };
  }

  /** `GET /images/search`, through the registry's v1 search API, filtered as moby filters. */
  async search(term: string, limit: number | undefined, filters: FilterArgs, auth: RegistryCredentials | undefined, signal?: AbortSignal): Promise<SearchResult[]> {
    filters.validate(SEARCH_FILTERS);
    const automated = filters.bool('is-automated');
    const official = filters.bool('is-official');
    let minStars = 0;
    for (const s of filters.get('stars')) {
      const n = Number(s);
      if (!Number.isInteger(n)) throw invalidArgument(`invalid filter 'stars=${s}': strconv.Atoi: parsing "${s}": invalid syntax`);
      minStars = Math.max(minStars, n);
    }
    if (automated) return [];
    if (term.includes('://')) throw invalidArgument(`invalid repository name: repository name (${term}) should not have a scheme`);
    const n = limit ?? 25;
    if (n < 1 || n > 100) throw invalidArgument(`limit ${n} is outside the range of [1, 100]`);
    const [host, remote] = splitSearchTerm(term);
    const results = await this.searchIndex(host, host === DOCKER_HUB ? remote.replace(/^library\//, '') : remote, n, auth, signal);
    return results.filter((r) => (official === undefined || r.isOfficial === official) && r.starCount >= minStars).map((r) => ({ ...r, isAutomated: false }));
  }

  private async searchIndex(host: string, remote: string, limit: number, auth: RegistryCredentials | undefined, signal?: AbortSignal): Promise<SearchResult[]> {
    const bases = host === DOCKER_HUB ? [{ url: new URL('https://index.docker.io'), insecure: false }] : (await this.config().endpoints(host, false)).map((e) => ({ url: e.url, insecure: e.insecure }));
    let lastError: unknown;
    for (const [i, base] of bases.entries()) {
      const url = new URL('/v1/search', base.url);
      url.searchParams.set('q', remote);
      url.searchParams.set('n', String(limit));
      const headers: Record<string, string> = { 'X-Docker-Token': 'true' };
      if (auth?.username && auth.password) headers.Authorization = basicHeader(auth.username, auth.password);
      let res;
      try {
        res = await this.transport.request({ method: 'GET', url, headers, insecure: base.insecure, signal, idleTimeoutMs: PING_TIMEOUT_MS });
      } catch (err) {
        lastError = err;
        if (!signal?.aborted && isTransportFailure(err) && bases[i + 1] !== undefined) continue;
        throw err;
      }
      const body = await readBody(res, 16 << 20, () => new BerthError('Internal', 'search results too large'));
      if (res.status !== 200) {
        const hint = res.status === 404 ? `: ${host} does not offer the search API` : '';
        throw new BerthError('Internal', `Unexpected status code ${res.status}${hint}`);
      }
      let doc: { results?: { name?: string; description?: string; is_official?: boolean; is_automated?: boolean; star_count?: number }[] };
      try {
        doc = JSON.parse(body.toString('utf8')) as typeof doc;
      } catch (err) {
        throw new BerthError('Internal', `error decoding registry search results: ${(err as Error).message}`);
      }
      return (doc.results ?? []).map((r) => ({ name: r.name ?? '', description: r.description ?? '', isOfficial: r.is_official === true, isAutomated: r.is_automated === true, starCount: r.star_count ?? 0 }));
    }
    throw lastError;
  }
}

/** moby's splitReposSearchTerm: a first component with `.` or `:` (or `localhost`) is a registry. */
function splitSearchTerm(term: string): [string, string] {
  const slash = term.indexOf('/');
  if (slash < 0) return [DOCKER_HUB, term];
  const first = term.slice(0, slash);
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return [DOCKER_HUB, term];
  return [first === 'index.docker.io' ? DOCKER_HUB : first, term.slice(slash + 1)];
}

