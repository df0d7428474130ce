import { invalidArgument } from '../../base/errors.js';
import { readJson, sendJson, type Route } from '../context.js';
import { authFromJson } from '../registry-auth.js';
import type { EngineServices } from '../services.js';

/** `POST /auth`: checks credentials against the registry (`docker login`), as moby answers. */
export function authRoutes(s: EngineServices): Route[] {
  return [
    [
      'POST',
      '/auth',
      async (ctx) => {
        const body = await readJson<unknown>(ctx.req);
        if (body === undefined) throw invalidArgument('invalid auth configuration: EOF');
        const result = await s.registry.login(authFromJson(body), ctx.signal);
        sendJson(ctx.res, 200, { Status: result.status, IdentityToken: result.identityToken });
      },
    ],
  ];
}
