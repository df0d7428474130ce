import { registryError } from '../errors.js';
import type { Htpasswd } from './htpasswd.js';
import type { TokenSigner } from './jwt.js';
import { parseScopes, type AccessPolicy } from './scope.js';

export interface TokenRequest {
  /** Basic credentials of a GET, or username/password of an OAuth2 password grant. */
  credentials?: { user: string; password: string };
  /** OAuth2 refresh_token grant. */
  refreshToken?: string;
  service: string | undefined;
  scopes: string[];
  /** Ask for a refresh token too (GET offline_token=true; always for the password grant). */
  offline: boolean;
}

export interface TokenResponse {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  refresh_token?: string;
}

const REFRESH_TTL = 30 * 24 * 3600;

/**
 * The token endpoint's logic (docker/distribution's token spec and its OAuth2 form): checks the
 * credentials against htpasswd, grants each requested scope as far as the access policy allows
 * (an unauthorized scope is left out, never an error, as Docker Hub does) and signs the result.
 */
export class TokenService {
  constructor(
    private readonly deps: { signer: TokenSigner; users: Htpasswd | undefined; policy: AccessPolicy; service: string; ttlSeconds: number },
  ) {}

  async issue(req: TokenRequest): Promise<TokenResponse> {
    if (req.service !== undefined && req.service !== this.deps.service) {
      throw registryError('DENIED', `unknown service ${req.service}`);
    }
    const account = await this.account(req);
    const access = parseScopes(req.scopes)
      .map((a) => ({ ...a, actions: this.deps.policy.allowed(account, a.type, a.name, a.actions) }))
      .filter((a) => a.actions.length > 0);
    const token = this.deps.signer.sign({ sub: account ?? '', aud: this.deps.service, access }, this.deps.ttlSeconds);
    const out: TokenResponse = { token, access_token: token, expires_in: this.deps.ttlSeconds, issued_at: new Date().toISOString() };
    if (account !== undefined && (req.offline || req.refreshToken !== undefined)) {
      out.refresh_token = this.deps.signer.sign({ sub: account, aud: this.deps.service, use: 'refresh' }, REFRESH_TTL);
    }
    return out;
  }

  private async account(req: TokenRequest): Promise<string | undefined> {
    if (req.refreshToken !== undefined) {
      const claims = this.deps.signer.verify(req.refreshToken, this.deps.service);
      if (!claims || claims.use !== 'refresh' || claims.sub === '') throw registryError('UNAUTHORIZED', 'invalid refresh token');
      return claims.sub;
    }
    if (!req.credentials) return undefined;
    if (!this.deps.users || !(await this.deps.users.verify(req.credentials.user, req.credentials.password))) {
      throw registryError('UNAUTHORIZED', 'authentication required');
    }
    return req.credentials.user;
  }
}
