import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { invalidArgument, notFound } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { RequestContext, Route, RouteHandler } from './context.js';
import { sendError } from './http-errors.js';
import { errorsAsText } from './version-quirks.js';
import { API_MAX_MINOR, API_MIN_MINOR, type EngineServices } from './services.js';
import { systemRoutes } from './routes/system.js';
import { imageRoutes } from './routes/images.js';
import { attach, containerRoutes } from './routes/containers.js';
import { execRoutes, startExec } from './routes/exec.js';
import { volumeRoutes } from './routes/volumes.js';
import { networkRoutes } from './routes/networks.js';
import { swarmRoutes } from './routes/swarm.js';
import { buildRoutes } from './routes/build.js';
import { authRoutes } from './routes/auth.js';
import { distributionRoutes } from './routes/distribution.js';

export interface ApiHandlers {
  request: RequestListener;
  /** Hijacked connections (attach, exec start) arrive here, not on `request`. */
  upgrade: (req: IncomingMessage, socket: Socket, head: Buffer) => void;
}

const VERSION_PREFIX = /^\/v(\d+)\.(\d+)(\/.*)$/;

/** Builds the Docker Engine API on top of the engine's services. */
export function createApi(services: EngineServices, log: Logger): ApiHandlers {
  const router = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 2048 });
  const routes: Route[] = [...systemRoutes(services), ...imageRoutes(services), ...containerRoutes(services), ...execRoutes(services), ...volumeRoutes(services), ...networkRoutes(services), ...swarmRoutes(), ...authRoutes(services), ...distributionRoutes(services), ...buildRoutes(services)];
  for (const [method, path, handler] of routes) router.on(method, path, () => {}, handler);

  const dispatch = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://berth');
    let path = url.pathname;
    let apiMinor = API_MAX_MINOR;
    const m = VERSION_PREFIX.exec(path);
    if (m) {
      const major = Number(m[1]);
      apiMinor = Number(m[2]);
      path = m[3]!;
      if (major !== 1 || apiMinor > API_MAX_MINOR) {
        throw invalidArgument(`client version ${m[1]}.${m[2]} is too new. Maximum supported API version is 1.${API_MAX_MINOR}`);
      }
      if (apiMinor < API_MIN_MINOR) {
        throw invalidArgument(
          `client version ${m[1]}.${m[2]} is too old. Minimum supported API version is 1.${API_MIN_MINOR}, please upgrade your client to a newer version`,
        );
      }
    }
    const method = (req.method ?? 'GET') as HTTPMethod;
    const found = router.find(method === 'HEAD' && !router.find('HEAD', path) ? 'GET' : method, path);
    if (!found) throw notFound(`page not found`);
    const params = Object.fromEntries(Object.entries(found.params).map(([k, v]) => [k, v ?? '']));
    const ctx: RequestContext = { req, res, params, query: url.searchParams, apiMinor, signal };
    await (found.store as RouteHandler)(ctx);
  };

  return {
    request: (req, res) => {
      log.debug(`Calling ${req.method ?? ''} ${req.url ?? ''}`);
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) abort.abort(new Error('client disconnected'));
      });
      res.setHeader('Api-Version', `1.${API_MAX_MINOR}`);
      res.setHeader('Docker-Experimental', 'false');
      res.setHeader('Ostype', 'linux');
      res.setHeader('Server', `berth/${services.system.version().version} (linux)`);
      const asked = VERSION_PREFIX.exec(req.url ?? '');
      dispatch(req, res, abort.signal).catch((err: unknown) => sendError(res, err, log, errorsAsText(asked?.[1] === '1' ? Number(asked[2]) : undefined)));
    },
    upgrade: (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://berth');
      const path = url.pathname.replace(VERSION_PREFIX, '$3');
      const m = /^\/containers\/([^/]+)\/attach\/?$/.exec(path);
      if (req.method === 'POST' && m) {
        log.debug(`Calling ${req.method} ${req.url ?? ''} (upgrade)`);
        attach(services, req, socket, head, decodeURIComponent(m[1]!), url.searchParams, true);
        return;
      }
      const x = /^\/exec\/([^/]+)\/start\/?$/.exec(path);
      if (req.method === 'POST' && x) {
        log.debug(`Calling ${req.method} ${req.url ?? ''} (upgrade)`);
        const apiMinor = Number(VERSION_PREFIX.exec(url.pathname)?.[2] ?? API_MAX_MINOR);
        startExec(services, req, socket, head, decodeURIComponent(x[1]!), true, apiMinor).catch((err: unknown) => {
          log.warn('exec start failed', { err });
          socket.destroy();
        });
        return;
      }
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"message":"page not found"}\n');
    },
  };
}
