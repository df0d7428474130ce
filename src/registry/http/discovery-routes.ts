import { registryError } from '../errors.js';
import { MediaTypes } from '../storage/manifest.js';
import type { Handler, RequestContext } from './context.js';
import { sendJson } from './respond.js';

/**
 * `n`/`last` pagination over a sorted list, with the `Link: <…>; rel="next"` header when more
 * entries follow. `n=0` gives an empty list without Link, as the spec requires.
 */
function paginate(ctx: RequestContext, all: string[]): string[] {
  const q = ctx.url.searchParams;
  const last = q.get('last');
  let list = last === null ? all : all.filter((x) => x > last);
  const nRaw = q.get('n');
  if (nRaw === null || nRaw === '') return list;
  if (!/^\d+$/.test(nRaw)) throw registryError('PAGINATION_NUMBER_INVALID', undefined, { n: nRaw });
  const n = Number(nRaw);
  if (n < list.length && n > 0) {
    list = list.slice(0, n);
    const next = new URLSearchParams({ n: String(n), last: list[list.length - 1]! });
    ctx.res.setHeader('Link', `<${ctx.url.pathname}?${next.toString()}>; rel="next"`);
  } else if (n === 0) {
    list = [];
  }
  return list;
}

export const listTags: Handler = async (ctx, deps) => {
  const tags = await deps.pull.tags(ctx.repo, ctx.signal);
  sendJson(ctx.res, 200, { name: ctx.repo, tags: paginate(ctx, tags) });
};

export const catalog: Handler = async (ctx, deps) => {
  sendJson(ctx.res, 200, { repositories: paginate(ctx, await deps.storage.catalog()) });
};

export const referrers: Handler = async (ctx, deps) => {
  const artifactType = ctx.url.searchParams.get('artifactType') ?? undefined;
  const result = await deps.pull.referrers(ctx.repo, ctx.ref, artifactType);
  if (result.filtered) ctx.res.setHeader('OCI-Filters-Applied', 'artifactType');
  sendJson(ctx.res, 200, { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: result.manifests }, MediaTypes.ociIndex);
};
