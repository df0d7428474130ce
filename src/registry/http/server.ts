import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalidArgument } from '../../base/errors.js';
import { nodeHttp, nodeHttps } from '../../base/node-http.js';
import type { Logger } from '../../base/log.js';
import type { Authorizer } from '../auth/authorizer.js';
import type { TokenService } from '../auth/token-service.js';
import type { RouteDeps } from './context.js';
import { sendError } from './respond.js';
import { createRouter } from './router.js';
import { handleToken } from './token-route.js';

export interface HttpOptions {
  /** `host:port`, `[v6]:port` or `:port` (all interfaces). */
  addr: string;
  tls?: { cert: Buffer; key: Buffer };
  authorizer: Authorizer;
  /** The token endpoint at `/token`, when the registry issues its own tokens. */
  tokens?: TokenService;
  log: Logger;
}

/** The registry's listener: HTTP or HTTPS, the API version header on every response. */
export class RegistryHttpServer {
  private readonly server: Server;
  private readonly route = createRouter();

  constructor(
    private readonly deps: RouteDeps,
    private readonly opts: HttpOptions,
  ) {
    const listener = (req: IncomingMessage, res: ServerResponse): void => this.handle(req, res);
    this.server = opts.tls ? nodeHttps().createServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : nodeHttp.createServer(listener);
    // Blob uploads and downloads can take longer than Node's default 5-minute request timeout.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.keepAliveTimeout = 30_000;
  }

  async listen(): Promise<URL> {
    const { host, port } = parseAddr(this.opts.addr);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const a = this.server.address() as AddressInfo;
    const hostPart = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return new URL(`${this.opts.tls ? 'https' : 'http'}://${hostPart}:${a.port}`);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client disconnected'));
    });
    this.opts.log.debug(`${req.method ?? ''} ${req.url ?? ''}`);
    this.dispatch(req, res, abort.signal).catch((err: unknown) => {
      if (abort.signal.aborted) {
        res.destroy();
        return;
      }
      sendError(res, err, this.opts.log);
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const method = req.method ?? 'GET';
    if (url.pathname === '/token' && this.opts.tokens) {
      await handleToken(req, res, url, this.opts.tokens);
      return;
    }
    const route = this.route(method, url);
    const grant = await this.opts.authorizer.authorize(req, route.needed, route.optional);
    await route.handler({ req, res, url, repo: route.repo, ref: route.ref, grant, signal }, this.deps);
  }
}

function parseAddr(addr: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw invalidArgument(`invalid listen address "${addr}": expected host:port`);
  const host = m[1] ?? (m[2] === '' ? undefined : m[2]);
  return { host, port: Number(m[3]) };
}

