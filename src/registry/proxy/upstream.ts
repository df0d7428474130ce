import { registryError } from '../errors.js';

export interface UpstreamOptions {
  url: string;
  username?: string;
  password?: string;
}

/** Manifest types asked for upstream: everything the registry can store and serve. */
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * A minimal distribution client for the pull-through cache: GET/HEAD with the upstream's auth
 * (Basic, or Bearer tokens fetched for the repository's pull scope and cached until expiry).
 */
export class Upstream {
  private readonly base: URL;
  private readonly tokens = new Map<string, { token: string; expires: number }>();

  constructor(private readonly opts: UpstreamOptions) {
    this.base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  }

  async manifest(repo: string, reference: string, method: 'GET' | 'HEAD', signal: AbortSignal): Promise<Response> {
    return await this.request(repo, `v2/${repo}/manifests/${reference}`, method, { Accept: ACCEPT }, signal);
  }

  async blob(repo: string, digest: string, method: 'GET' | 'HEAD', signal: AbortSignal): Promise<Response> {
    return await this.request(repo, `v2/${repo}/blobs/${digest}`, method, {}, signal);
  }

  async tags(repo: string, signal: AbortSignal): Promise<Response> {
    return await this.request(repo, `v2/${repo}/tags/list`, 'GET', {}, signal);
  }

  private async request(repo: string, path: string, method: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    const url = new URL(path, this.base);
    const send = async (auth?: string): Promise<Response> => {
      try {
        return await fetch(url, { method, headers: auth ? { ...headers, Authorization: auth } : headers, signal, redirect: 'follow' });
      } catch (err) {
        if (signal.aborted) throw err;
        throw registryError('UNAVAILABLE', `upstream ${this.base.host}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const cached = this.tokens.get(repo);
    let res = await send(cached && cached.expires > Date.now() ? `Bearer ${cached.token}` : this.basic());
    if (res.status !== 401) return res;
    const challenge = res.headers.get('www-authenticate') ?? '';
    await res.body?.cancel();
    if (/^Basic/i.test(challenge)) {
      if (!this.basic()) throw registryError('UNAUTHORIZED', `upstream ${this.base.host} requires credentials`);
      return res;
    }
    const token = await this.fetchToken(challenge, repo, signal);
    res = await send(`Bearer ${token}`);
    return res;
  }

  private basic(): string | undefined {
    if (this.opts.username === undefined) return undefined;
    return `Basic ${Buffer.from(`${this.opts.username}:${this.opts.password ?? ''}`).toString('base64')}`;
  }

  private async fetchToken(challenge: string, repo: string, signal: AbortSignal): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) throw registryError('UNAUTHORIZED', `upstream ${this.base.host}: unsupported challenge ${challenge}`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', `repository:${repo}:pull`);
    const basic = this.basic();
    const res = await fetch(url, { headers: basic ? { Authorization: basic } : {}, signal });
    if (!res.ok) throw registryError('UNAUTHORIZED', `upstream ${this.base.host}: token request failed with ${res.status}`);
    const body = (await res.json()) as { token?: string; access_token?: string; expires_in?: number };
    const token = body.token ?? body.access_token;
    if (!token) throw registryError('UNAUTHORIZED', `upstream ${this.base.host}: no token in the response`);
    this.tokens.set(repo, { token, expires: Date.now() + Math.max(30, (body.expires_in ?? 60) - 10) * 1000 });
    return token;
  }
}
