import type { IncomingMessage } from 'node:http';
import { registryError } from '../errors.js';
import { MAX_MANIFEST_BYTES, MediaTypes } from '../storage/manifest.js';
import type { StoredManifest } from '../storage/registry-storage.js';
import { assertWritable, readBody, type Handler, type RequestContext, type RouteDeps } from './context.js';
import { sendEmpty } from './respond.js';

/** Media types an Accept header admits; undefined means anything (no header, or a wildcard). */
export function acceptedTypes(req: IncomingMessage): Set<string> | undefined {
  const raw = req.headers.accept;
  if (raw === undefined || raw === '') return undefined;
  const types = new Set<string>();
  for (const part of raw.split(',')) {
    const type = part.split(';')[0]!.trim();
    if (type === '*/*' || type === 'application/*') return undefined;
    if (type) types.add(type);
  }
  return types;
}

/**
 * Picks what to serve for an Accept header, never converting (that would change the digest):
 * the stored manifest when its type is accepted; for an index the client cannot read,
 * the linux/amd64 manifest in it when that one is accepted (distribution's fallback);
 * else 404 MANIFEST_UNKNOWN as distribution answers.
 */
async function negotiate(ctx: RequestContext, deps: RouteDeps, stored: StoredManifest): Promise<StoredManifest> {
  const accepted = acceptedTypes(ctx.req);
  if (!accepted || accepted.has(stored.mediaType)) return stored;
  if (stored.mediaType === MediaTypes.ociIndex || stored.mediaType === MediaTypes.dockerList) {
    const index = JSON.parse(stored.body.toString('utf8')) as { manifests?: { digest: string; mediaType: string; platform?: { os?: string; architecture?: string } }[] };
    const pick = index.manifests?.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64' && accepted.has(m.mediaType));
    if (pick) return await deps.pull.manifest(ctx.repo, pick.digest, ctx.signal);
  }
  throw registryError('MANIFEST_UNKNOWN', `${stored.mediaType} manifest found, but the Accept header does not allow it`, { mediaType: stored.mediaType });
}

async function serveManifest(ctx: RequestContext, deps: RouteDeps, withBody: boolean): Promise<void> {
  const stored = await negotiate(ctx, deps, await deps.pull.manifest(ctx.repo, ctx.ref, ctx.signal));
  const res = ctx.res;
  res.statusCode = 200;
  res.setHeader('Content-Type', stored.mediaType);
  res.setHeader('Docker-Content-Digest', stored.digest);
  res.setHeader('ETag', `"${stored.digest}"`);
  res.setHeader('Content-Length', stored.body.length);
  res.end(withBody ? stored.body : undefined);
}

export const getManifest: Handler = async (ctx, deps) => serveManifest(ctx, deps, true);
export const headManifest: Handler = async (ctx, deps) => serveManifest(ctx, deps, false);

export const putManifest: Handler = async (ctx, deps) => {
  assertWritable(deps);
  const body = await readBody(ctx.req, MAX_MANIFEST_BYTES, () => registryError('MANIFEST_TOO_BIG', undefined, { limit: MAX_MANIFEST_BYTES }));
  const put = await deps.storage.putManifest(ctx.repo, ctx.ref, body, ctx.req.headers['content-type']);
  const headers: Record<string, string> = { Location: `/v2/${ctx.repo}/manifests/${put.digest}`, 'Docker-Content-Digest': put.digest };
  if (put.subject) headers['OCI-Subject'] = put.subject;
  sendEmpty(ctx.res, 201, headers);
};

export const deleteManifest: Handler = async (ctx, deps) => {
  assertWritable(deps);
  await deps.storage.deleteManifest(ctx.repo, ctx.ref);
  sendEmpty(ctx.res, 202);
};
