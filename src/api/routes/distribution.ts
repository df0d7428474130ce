import { invalidArgument, notFound } from '../../base/errors.js';
import { parseReference } from '../../images/index.js';
import { sendJson, type Route } from '../context.js';
import { requestAuth } from '../registry-auth.js';
import type { EngineServices } from '../services.js';

/** `GET /distribution/{name}/json`, the name holding `/` and `:` unescaped. */
export function distributionRoutes(s: EngineServices): Route[] {
  return [
    [
      'GET',
      '/distribution/*',
      async (ctx) => {
        const m = /^(.+)\/json$/.exec(ctx.params['*'] ?? '');
        if (!m) throw notFound('page not found');
        const name = m[1]!;
        if (/^(sha256:)?[a-f0-9]{64}$/.test(name)) throw invalidArgument('no manifest found for full image ID');
        const ref = parseReference(name);
        const r = await s.puller.inspectRemote(ref, requestAuth(ctx.req.headers, ref.domain), ctx.signal);
        sendJson(ctx.res, 200, { Descriptor: { mediaType: r.descriptor.mediaType, digest: r.descriptor.digest, size: r.descriptor.size }, Platforms: r.platforms });
      },
    ],
  ];
}
