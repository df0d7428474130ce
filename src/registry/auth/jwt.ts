/** HS256 JSON Web Tokens with node:crypto: the registry signs its own tokens and checks them. */
import { createHmac, randomBytes, timingSafeEqual } from '../../base/crypto.js';
import type { Access } from './scope.js';

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  /** Granted access (access tokens); absent in refresh tokens. */
  access?: Access[];
  /** `refresh` marks a refresh token, which the registry never accepts for a request. */
  use?: 'refresh';
}

const b64 = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export class TokenSigner {
  constructor(
    private readonly key: Buffer,
    readonly issuer: string,
  ) {}

  static withRandomKey(issuer: string): TokenSigner {
    return new TokenSigner(randomBytes(32), issuer);
  }

  sign(claims: Omit<TokenClaims, 'iss' | 'iat' | 'nbf' | 'exp' | 'jti'>, ttlSeconds: number): string {
    const now = Math.floor(Date.now() / 1000);
    const full: TokenClaims = { iss: this.issuer, iat: now, nbf: now - 1, exp: now + ttlSeconds, jti: randomBytes(12).toString('hex'), ...claims };
    const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64(JSON.stringify(full));
    return `${head}.${body}.${this.mac(`${head}.${body}`)}`;
  }

  /** The claims of a token this signer issued and that is valid now, else undefined. */
  verify(token: string, audience: string): TokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [head, body, sig] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(`${head}.${body}`));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    let claims: TokenClaims;
    try {
      const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
      if (header.alg !== 'HS256') return undefined;
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== this.issuer || claims.aud !== audience || claims.exp <= now || claims.nbf > now) return undefined;
    return claims;
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}
