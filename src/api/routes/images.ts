import { Readable } from 'node:stream';
import { invalidArgument, notFound } from '../../base/errors.js';
import { FilterArgs } from '../../base/filters.js';
import { createdMs, pullReference, pushReference, type Image, type RegistryAuth } from '../../images/index.js';
import { decodeBody, queryBool, sendJson, type RequestContext } from '../context.js';
import * as wire from '../../wire/index.js';
import { authFromJson, decodeRegistryAuth, requestAuth } from '../registry-auth.js';
import type { Route } from '../context.js';
import type { EngineServices } from '../services.js';
import { JsonMessageStream } from '../stream.js';
import { imageInspectForVersion, imageSummaryForVersion } from '../version-quirks.js';

export function toWireImageSummary(img: Image, apiMinor: number): Record<string, unknown> {
  return imageSummaryForVersion(
    {
      Containers: -1,
      Created: Math.floor(createdMs(img) / 1000),
      Id: img.id,
      Labels: img.config.config?.Labels ?? null,
      ParentId: img.record.parent ?? '',
      RepoDigests: img.repoDigests,
      RepoTags: img.repoTags,
      SharedSize: -1,
      Size: img.size,
    },
    apiMinor,
  );
}

export function toWireImageInspect(img: Image, apiMinor: number, layerDirs: string[]): Record<string, unknown> {
  const c = img.config;
  const cfg = c.config ?? {};
  const top = layerDirs.at(-1);
  const base = top ? top.replace(/\/diff$/, '') : '';
  const out: Record<string, unknown> = {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Parent: img.record.parent ?? '',
    Comment: c.comment ?? c.history?.at(-1)?.comment ?? '',
    Created: c.created ?? '',
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: {
      User: cfg.User ?? '',
      ExposedPorts: cfg.ExposedPorts ?? undefined,
      Env: cfg.Env ?? undefined,
      Cmd: cfg.Cmd ?? undefined,
      Entrypoint: cfg.Entrypoint ?? undefined,
      Volumes: cfg.Volumes ?? undefined,
      WorkingDir: cfg.WorkingDir ?? '',
      Labels: cfg.Labels ?? undefined,
      StopSignal: cfg.StopSignal ?? undefined,
      OnBuild: cfg.OnBuild ?? undefined,
      Shell: cfg.Shell ?? undefined,
      Healthcheck: cfg.Healthcheck ?? undefined,
      ArgsEscaped: cfg.ArgsEscaped ?? undefined,
    },
    Architecture: c.architecture ?? '',
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os ?? '',
    Size: img.size,
    GraphDriver: {
      Data: top
        ? {
            ...(layerDirs.length > 1 ? { LowerDir: layerDirs.slice(0, -1).reverse().join(':') } : {}),
            MergedDir: `${base}/merged`,
            UpperDir: top,
            WorkDir: `${base}/work`,
          }
        : null,
      Name: 'overlay2',
    },
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: img.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
  const legacy = { container: typeof c.container === 'string' ? c.container : undefined, containerConfig: (c.container_config ?? undefined) as Record<string, unknown> | undefined };
  return imageInspectForVersion(out, apiMinor, legacy);
}

async function listImages(s: EngineServices, ctx: RequestContext): Promise<void> {
  const filters = FilterArgs.parse(ctx.query.get('filters'));
  // API < 1.41 passed the reference filter as `filter=`; later versions ignore it.
  const legacy = ctx.apiMinor < 41 ? ctx.query.get('filter') : null;
  const all = legacy ? new FilterArgs([...filters.keys().map((k) => [k, filters.get(k)] as [string, string[]]), ['reference', [legacy]]]) : filters;
  const images = await s.images.list(all, queryBool(ctx.query, 'all'));
  sendJson(ctx.res, 200, images.map((img) => toWireImageSummary(img, ctx.apiMinor)));
}

async function loadImages(s: EngineServices, ctx: RequestContext): Promise<void> {
  const quiet = queryBool(ctx.query, 'quiet');
  const out = new JsonMessageStream(ctx.res);
  try {
    const lines = await s.archives.load(ctx.req, quiet ? () => {} : (e) => out.progress(e), ctx.signal);
    for (const line of lines) out.write({ stream: line + '\n' });
    out.end();
  } catch (err) {
    // moby answers 200 and reports a failed load in the stream, before or after any progress
    // (docker-py's ImageLoadError comes from that errorDetail).
    out.error(err);
    out.end();
  }
}

/** A JSON message stream for a long operation: errors before the first byte keep their status. */
async function streamed(ctx: RequestContext, run: (out: JsonMessageStream) => Promise<void>): Promise<void> {
  const out = new JsonMessageStream(ctx.res);
  try {
    await run(out);
    out.end();
  } catch (err) {
    if (!out.hasStarted) throw err;
    out.error(err);
    out.end();
  }
}

/** `POST /images/create?fromImage=`: a pull. `tag` may hold a digest; without one, all tags. */
async function pullImage(s: EngineServices, ctx: RequestContext, fromImage: string): Promise<void> {
  const ref = pullReference(fromImage, ctx.query.get('tag') ?? '');
  // The platform parameter exists from API 1.32 on.
  const platform = ctx.apiMinor >= 32 ? (ctx.query.get('platform') ?? '') : '';
  const auth = requestAuth(ctx.req.headers, ref.domain);
  await streamed(ctx, (out) => s.puller.pull(ref, { platform, auth, progress: (e) => out.progress(e), signal: ctx.signal }));
}

/** `POST /images/{name}/push`: X-Registry-Auth, or (old clients) the credentials as the body. */
async function pushImage(s: EngineServices, ctx: RequestContext, name: string): Promise<void> {
  let auth = decodeRegistryAuthLenient(ctx.req.headers['x-registry-auth']);
  if (ctx.req.headers['x-registry-auth'] === undefined) {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req) chunks.push(c as Buffer);
    try {
      auth = authFromJson(decodeBody(Buffer.concat(chunks), wire.AuthConfig, 'EOF'));
    } catch (err) {
      throw invalidArgument(`bad parameters and missing X-Registry-Auth: invalid X-Registry-Auth header: ${(err as Error).message.replace(/^invalid JSON: /, '')}`);
    }
  }
  const ref = pushReference(name, ctx.query.get('tag') ?? '');
  await streamed(ctx, (out) =>
    s.pusher.push(ref, { auth, progress: (e) => out.progress(e), aux: (value) => out.write({ progressDetail: {}, aux: value }), signal: ctx.signal }),
  );
}

function decodeRegistryAuthLenient(header: string | string[] | undefined): RegistryAuth | undefined {
  try {
    return decodeRegistryAuth(Array.isArray(header) ? header[0] : header);
  } catch {
    return undefined;
  }
}

/** `GET /images/search`: moby's SearchResult fields, in its order. */
async function searchImages(s: EngineServices, ctx: RequestContext): Promise<void> {
  const q = ctx.query;
  const limitText = q.get('limit');
  let limit: number | undefined;
  if (limitText !== null && limitText !== '') {
    limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 0) throw invalidArgument(`invalid limit specified: strconv.Atoi: parsing ${JSON.stringify(limitText)}: invalid syntax`);
    if (limit === 0) limit = undefined;
  }
  const term = q.get('term') ?? '';
  const auth = decodeRegistryAuthLenient(ctx.req.headers['x-registry-auth']);
  const results = await s.registry.search(term, limit, FilterArgs.parse(q.get('filters')), auth, ctx.signal);
  sendJson(ctx.res, 200, results.map((r) => ({ star_count: r.starCount, is_official: r.isOfficial, name: r.name, is_automated: r.isAutomated, description: r.description })));
}

async function createImage(s: EngineServices, ctx: RequestContext): Promise<void> {
  const q = ctx.query;
  const fromSrc = q.get('fromSrc');
  const fromImage = q.get('fromImage');
  if (fromImage) {
    await pullImage(s, ctx, fromImage);
    return;
  }
  if (fromSrc === null) throw invalidArgument('one of fromImage or fromSrc is required');
  const repo = q.get('repo') ?? '';
  const tag = q.get('tag') ?? '';
  const platform = q.get('platform') ?? '';
  const [os, architecture] = platform ? platform.split('/') : [];
  let input: Readable = ctx.req;
  if (fromSrc !== '-') {
    let url: URL;
    try {
      url = new URL(/^https?:\/\//.test(fromSrc) ? fromSrc : `http://${fromSrc}`);
    } catch {
      throw invalidArgument(`invalid URL: ${fromSrc}`);
    }
    const resp = await fetch(url, { signal: ctx.signal }).catch((err: unknown) => {
      throw invalidArgument(`Get "${url.href}": ${(err as Error).message}`, err);
    });
    if (!resp.ok || !resp.body) throw invalidArgument(`Get "${url.href}": unexpected status ${resp.status}`);
    input = Readable.fromWeb(resp.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
  const out = new JsonMessageStream(ctx.res);
  try {
    const id = await s.archives.import(input, {
      ...(repo ? { tag: tag ? `${repo}:${tag}` : repo } : {}),
      changes: q.getAll('changes'),
      message: q.get('message') ?? '',
      source: fromSrc,
      platform: { ...(os ? { os } : {}), ...(architecture ? { architecture } : {}) },
      signal: ctx.signal,
      progress: (e) => out.progress(e),
    });
    out.write({ status: id });
    out.end();
  } catch (err) {
    if (!out.hasStarted) throw err;
    out.error(err);
    out.end();
  }
}

async function saveImages(s: EngineServices, ctx: RequestContext, names: string[]): Promise<void> {
  // Resolve first so that an unknown name is a 404, not a truncated tar.
  for (const n of names) await s.images.resolve(n);
  await s.archives.save(names, ctx.res, (size) => {
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar', 'Content-Length': size });
  }, ctx.signal);
}

/** `/images/{name}/…` where name may hold `/` and `:` (routed greedily, as moby does). */
async function imageByName(s: EngineServices, ctx: RequestContext): Promise<void> {
  const tail = ctx.params['*'] ?? '';
  const method = ctx.req.method;
  const suffix = /^(.+)\/(json|history|get|tag|push)$/.exec(tail);
  if (method === 'DELETE') {
    const items = await s.images.remove(tail, queryBool(ctx.query, 'force'));
    sendJson(ctx.res, 200, items);
    return;
  }
  if (!suffix) throw notFound('page not found');
  const [, name, action] = suffix as unknown as [string, string, string];
  if ((method === 'GET' || method === 'HEAD') && action === 'json') {
    const img = await s.images.resolve(name);
    sendJson(ctx.res, 200, toWireImageInspect(img, ctx.apiMinor, await s.images.layerDirs(img)));
  } else if (method === 'GET' && action === 'history') {
    const items = await s.images.history(name);
    sendJson(ctx.res, 200, items.map((h) => ({ Comment: h.comment, Created: h.created, CreatedBy: h.createdBy, Id: h.id, Size: h.size, Tags: h.tags })));
  } else if (method === 'GET' && action === 'get') {
    await saveImages(s, ctx, [name]);
  } else if (method === 'POST' && action === 'tag') {
    const repo = ctx.query.get('repo');
    if (!repo) throw invalidArgument('repo is required');
    await s.images.tag(name, repo, ctx.query.get('tag') ?? undefined);
    ctx.res.writeHead(201, { 'Content-Length': 0 }).end();
  } else if (method === 'POST' && action === 'push') {
    await pushImage(s, ctx, name);
  } else throw notFound('page not found');
}

export function imageRoutes(s: EngineServices): Route[] {
  return [
    ['GET', '/images/json', (ctx) => listImages(s, ctx)],
    ['POST', '/images/load', (ctx) => loadImages(s, ctx)],
    ['POST', '/images/create', (ctx) => createImage(s, ctx)],
    ['GET', '/images/get', (ctx) => saveImages(s, ctx, ctx.query.getAll('names'))],
    ['GET', '/images/search', (ctx) => searchImages(s, ctx)],
    [
      'POST',
      '/images/prune',
      async (ctx) => {
        const { deleted, reclaimed } = await s.images.prune(FilterArgs.parse(ctx.query.get('filters')));
        sendJson(ctx.res, 200, { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
      },
    ],
    ['GET', '/images/*', (ctx) => imageByName(s, ctx)],
    ['POST', '/images/*', (ctx) => imageByName(s, ctx)],
    ['DELETE', '/images/*', (ctx) => imageByName(s, ctx)],
  ];
}
