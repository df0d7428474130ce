import type { IncomingMessage } from 'node:http';
import { AuthChallenge } from '../errors.js';
import type { Htpasswd } from './htpasswd.js';
import { parseBasic } from './htpasswd.js';
import type { TokenSigner } from './jwt.js';
import { formatScope, type Access } from './scope.js';

/** What an authorized request may do beyond what it was checked for (cross-repo mounts). */
export interface Grant {
  account: string | undefined;
  can(type: string, name: string, action: string): boolean;
}

/**
 * Checks a request's credentials. `needed` must all be granted, else an AuthChallenge (401 with
 * WWW-Authenticate) is thrown; `optional` scopes are only named in the challenge, so that a
 * client asks for them too (the source repository of a mount).
 */
export interface Authorizer {
  authorize(req: IncomingMessage, needed: Access[], optional?: Access[]): Promise<Grant>;
}

const FULL: Grant = { account: undefined, can: () => true };

export const openAccess: Authorizer = { authorize: () => Promise.resolve(FULL) };

/** htpasswd Basic auth: every valid user may do everything, as distribution's htpasswd does. */
export class BasicAuthorizer implements Authorizer {
  constructor(
    private readonly users: Htpasswd,
    private readonly realm = 'Registry Realm',
  ) {}

  async authorize(req: IncomingMessage): Promise<Grant> {
    const creds = parseBasic(req.headers.authorization);
    if (!creds || !(await this.users.verify(creds.user, creds.password))) {
      throw new AuthChallenge(`Basic realm="${this.realm}"`);
    }
    return { account: creds.user, can: () => true };
  }
}

export interface TokenRealm {
  /** The token endpoint's absolute URL for this request (it may depend on the Host header). */
  realm(req: IncomingMessage): string;
  service: string;
}

/** Bearer tokens the registry's own token endpoint signed; scopes decide per repository. */
export class TokenAuthorizer implements Authorizer {
  constructor(
    private readonly signer: TokenSigner,
    private readonly realm: TokenRealm,
  ) {}

  authorize(req: IncomingMessage, needed: Access[], optional: Access[] = []): Promise<Grant> {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const challenge = (error?: string): AuthChallenge => {
      let value = `Bearer realm="${this.realm.realm(req)}",service="${this.realm.service}"`;
      const scopes = [...needed, ...optional].map(formatScope).join(' ');
      if (scopes) value += `,scope="${scopes}"`;
      if (error) value += `,error="${error}"`;
      return new AuthChallenge(value, error === 'insufficient_scope' ? 'insufficient scope' : undefined);
    };
    if (!m) return Promise.reject(challenge());
    const claims = this.signer.verify(m[1]!, this.realm.service);
    if (!claims || claims.use === 'refresh') return Promise.reject(challenge('invalid_token'));
    const access = claims.access ?? [];
    const can = (type: string, name: string, action: string): boolean =>
      access.some((a) => a.type === type && a.name === name && (a.actions.includes(action) || a.actions.includes('*')));
    for (const want of needed) {
      if (!want.actions.every((action) => can(want.type, want.name, action))) return Promise.reject(challenge('insufficient_scope'));
    }
    return Promise.resolve({ account: claims.sub === '' ? undefined : claims.sub, can });
  }
}
