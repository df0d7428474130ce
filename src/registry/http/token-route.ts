import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBasic } from '../auth/htpasswd.js';
import type { TokenRequest, TokenService } from '../auth/token-service.js';
import { registryError } from '../errors.js';
import { readBody } from './context.js';
import { sendJson } from './respond.js';

/**
 * The token endpoint: `GET /token?service=&scope=…` with optional Basic credentials (the
 * docker/distribution token spec) and the OAuth2 `POST /token` form (password and refresh_token
 * grants) that docker login's identity tokens use.
 */
export async function handleToken(req: IncomingMessage, res: ServerResponse, url: URL, tokens: TokenService): Promise<void> {
  let request: TokenRequest;
  if (req.method === 'GET') {
    const q = url.searchParams;
    const credentials = parseBasic(req.headers.authorization);
    request = { service: q.get('service') ?? undefined, scopes: q.getAll('scope'), offline: q.get('offline_token') === 'true', ...(credentials ? { credentials } : {}) };
  } else if (req.method === 'POST') {
    const form = new URLSearchParams((await readBody(req, 64 * 1024, () => registryError('SIZE_INVALID', 'token request too large'))).toString('utf8'));
    const grant = form.get('grant_type');
    request = { service: form.get('service') ?? undefined, scopes: form.getAll('scope'), offline: form.get('access_type') === 'offline' };
    if (grant === 'password') {
      request.credentials = { user: form.get('username') ?? '', password: form.get('password') ?? '' };
      request.offline = true;
    } else if (grant === 'refresh_token') {
      request.refreshToken = form.get('refresh_token') ?? '';
    } else {
      throw registryError('UNSUPPORTED', `unsupported grant_type ${grant ?? ''}`);
    }
  } else {
    throw registryError('UNSUPPORTED', `method ${req.method ?? ''} not allowed`);
  }
  sendJson(res, 200, await tokens.issue(request));
}
