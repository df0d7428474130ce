import FindMyWay from 'find-my-way';
import { isRepositoryName } from '../names.js';
import { registryError } from '../errors.js';
import type { Access } from '../auth/scope.js';
import { cancelUpload, deleteBlob, getBlob, headBlob, patchUpload, putUpload, startUpload, uploadStatus } from './blob-routes.js';
import type { Handler } from './context.js';
import { catalog, listTags, referrers } from './discovery-routes.js';
import { deleteManifest, getManifest, headManifest, putManifest } from './manifest-routes.js';

export interface MatchedRoute {
  handler: Handler;
  repo: string;
  ref: string;
  /** Scopes the request must hold. */
  needed: Access[];
  /** Scopes named in a challenge too, without being required (a mount's source). */
  optional: Access[];
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Routes under `/v2/<name>/…`: the name is a greedy multi-segment prefix, so regexes match it. */
const NAME_ROUTES: [RegExp, Partial<Record<Method, Handler>>][] = [
  [/^\/v2\/(.+)\/blobs\/uploads\/?()$/, { POST: startUpload }],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, { GET: uploadStatus, PATCH: patchUpload, PUT: putUpload, DELETE: cancelUpload }],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, { GET: getBlob, HEAD: headBlob, DELETE: deleteBlob }],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, { GET: getManifest, HEAD: headManifest, PUT: putManifest, DELETE: deleteManifest }],
  [/^\/v2\/(.+)\/tags\/list\/?()$/, { GET: listTags }],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, { GET: referrers }],
];

const ACTIONS: Record<Method, string[]> = { GET: ['pull'], HEAD: ['pull'], POST: ['pull', 'push'], PUT: ['pull', 'push'], PATCH: ['pull', 'push'], DELETE: ['delete'] };

const base: Handler = (ctx) => {
  ctx.res.statusCode = 200;
  ctx.res.setHeader('Content-Type', 'application/json');
  ctx.res.setHeader('Content-Length', 2);
  ctx.res.end('{}');
  return Promise.resolve();
};

/**
 * find-my-way dispatches the fixed paths (`/v2/`, `/v2/_catalog`) and the `/v2/*` family, whose
 * repository names it cannot express; those go through NAME_ROUTES.
 */
export function createRouter(): (method: string, url: URL) => MatchedRoute {
  const fixed = FindMyWay({ ignoreTrailingSlash: true });
  const CATALOG: Access = { type: 'registry', name: 'catalog', actions: ['*'] };
  fixed.on(['GET', 'HEAD'], '/v2/', () => {}, { handler: base, needed: [] });
  fixed.on('GET', '/v2/_catalog', () => {}, { handler: catalog, needed: [CATALOG] });
  return (method, url) => {
    const found = fixed.find(method as 'GET', url.pathname);
    if (found) {
      const store = found.store as { handler: Handler; needed: Access[] };
      return { handler: store.handler, repo: '', ref: '', needed: store.needed, optional: [] };
    }
    for (const [re, methods] of NAME_ROUTES) {
      const m = re.exec(url.pathname);
      if (!m) continue;
      const handler = methods[method as Method];
      if (!handler) throw registryError('UNSUPPORTED', `method ${method} not allowed`);
      const repo = m[1]!;
      if (!isRepositoryName(repo)) throw registryError('NAME_INVALID', undefined, { name: repo });
      const ref = decodeURIComponent(m[2]!);
      const needed: Access[] = [{ type: 'repository', name: repo, actions: ACTIONS[method as Method] }];
      const optional: Access[] = [];
      const from = url.searchParams.get('from');
      if (method === 'POST' && from !== null && isRepositoryName(from) && url.searchParams.has('mount')) {
        optional.push({ type: 'repository', name: from, actions: ['pull'] });
      }
      return { handler, repo, ref, needed, optional };
    }
    throw registryError('PAGE_NOT_FOUND', `no route for ${method} ${url.pathname}`);
  };
}
