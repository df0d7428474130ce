import type { IncomingMessage } from 'node:http';
import type { Logger } from '../base/log.js';
import { BasicAuthorizer, openAccess, TokenAuthorizer, type Authorizer } from './auth/authorizer.js';
import type { Htpasswd } from './auth/htpasswd.js';
import { TokenSigner } from './auth/jwt.js';
import { authenticatedFullAccess, type AccessPolicy } from './auth/scope.js';
import { TokenService } from './auth/token-service.js';
import { RegistryHttpServer } from './http/server.js';
import { ProxyPullSource } from './proxy/proxy-source.js';
import { Upstream, type UpstreamOptions } from './proxy/upstream.js';
import { LocalPullSource, type PullSource } from './pull-source.js';
import { RegistryStorage } from './storage/registry-storage.js';

export interface TokenAuthConfig {
  /** The realm clients are sent to; default `<scheme>://<Host of the request>/token`. */
  realm?: string;
  service: string;
  /** Who may do what; default: every authenticated user everything, anonymous nothing. */
  policy?: AccessPolicy;
  /** HMAC key for the tokens; default a random key per process. */
  key?: Buffer;
  ttlSeconds: number;
}

export interface RegistryConfig {
  root: string;
  addr: string;
  tls?: { cert: Buffer; key: Buffer };
  /** Basic auth with these users, or (with `token`) the users the token endpoint accepts. */
  htpasswd?: Htpasswd;
  token?: TokenAuthConfig;
  readOnly: boolean;
  proxy?: UpstreamOptions & { tagTtlMs: number };
  /** Upload sessions idle for longer than this are removed. */
  uploadTimeoutMs: number;
  log: Logger;
}

export interface RunningRegistry {
  url: URL;
  storage: RegistryStorage;
  close(): Promise<void>;
}

/** Opens the storage, starts the upload reaper and the listener. */
export async function startRegistry(config: RegistryConfig): Promise<RunningRegistry> {
  const storage = new RegistryStorage(config.root);
  await storage.init();
  const pull: PullSource = config.proxy ? new ProxyPullSource(storage, new Upstream(config.proxy), { tagTtlMs: config.proxy.tagTtlMs, log: config.log }) : new LocalPullSource(storage);
  const scheme = config.tls ? 'https' : 'http';
  let authorizer: Authorizer = openAccess;
  let tokens: TokenService | undefined;
  if (config.token) {
    const t = config.token;
    const signer = t.key ? new TokenSigner(t.key, t.service) : TokenSigner.withRandomKey(t.service);
    const realm = (req: IncomingMessage): string => t.realm ?? `${scheme}://${req.headers.host ?? 'localhost'}/token`;
    authorizer = new TokenAuthorizer(signer, { realm, service: t.service });
    tokens = new TokenService({ signer, users: config.htpasswd, policy: t.policy ?? authenticatedFullAccess, service: t.service, ttlSeconds: t.ttlSeconds });
  } else if (config.htpasswd) {
    authorizer = new BasicAuthorizer(config.htpasswd);
  }
  const server = new RegistryHttpServer(
    { storage, pull, readOnly: config.readOnly || config.proxy !== undefined },
    { addr: config.addr, authorizer, log: config.log, ...(config.tls ? { tls: config.tls } : {}), ...(tokens ? { tokens } : {}) },
  );
  const reap = (): void => {
    storage.uploads.reap(config.uploadTimeoutMs).then(
      (n) => n > 0 && config.log.info(`removed ${n} abandoned upload(s)`),
      (err: unknown) => config.log.warn('upload reaper failed', { error: err }),
    );
  };
  reap();
  const timer = setInterval(reap, Math.max(1000, Math.min(config.uploadTimeoutMs / 2, 60_000)));
  timer.unref();
  const url = await server.listen();
  return {
    url,
    storage,
    close: async () => {
      clearInterval(timer);
      await server.close();
    },
  };
}
