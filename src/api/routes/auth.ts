import * as wire from '../../wire/index.js';
import { readBody, sendJson, type Route } from '../context.js';
import { authFromJson } from '../registry-auth.js';
import type { EngineServices } from '../services.js';

/** `POST /auth`: checks credentials against the registry (`docker login`), as moby answers. */
export function authRoutes(s: EngineServices): Route[] {
  return [
    [
      'POST',
      '/auth',
      async (ctx) => {
        const body = (await readBody(ctx, wire.AuthConfig, 'EOF'))!;
        const result = await s.registry.login(authFromJson(body), ctx.signal);
        sendJson(ctx.res, 200, { Status: result.status, IdentityToken: result.identityToken });
      },
    ],
  ];
}
