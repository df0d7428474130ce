/**
 * POST /build, the classic builder's endpoint (moby's api/server/router/build): parameters as
 * the docker CLI, docker-py and compose send them, the build's JSON message stream, `q` printing
 * only the image ID. Errors before the first message get an HTTP status; later ones go in-band.
 */
import { invalidArgument } from '../../base/errors.js';
import { defaultBuildRequest, StepFailedError, type AuthConfigs, type BuildRequest, type BuildSink } from '../../build/index.js';
import { queryBool, sendJson, type RequestContext, type Route } from '../context.js';
import type { EngineServices } from '../services.js';
import { JsonMessageStream } from '../stream.js';

export function buildRoutes(s: EngineServices): Route[] {
  return [
    ['POST', '/build', (ctx) => postBuild(s, ctx)],
    [
      'POST',
      '/build/prune',
      async (ctx) => {
        const r = await s.builder.prune();
        sendJson(ctx.res, 200, { CachesDeleted: r.deleted.length > 0 ? r.deleted : null, SpaceReclaimed: r.reclaimed });
      },
    ],
  ];
}

async function postBuild(s: EngineServices, ctx: RequestContext): Promise<void> {
  const req = buildRequest(ctx);
  const out = new JsonMessageStream(ctx.res);
  const wantAux = ctx.apiMinor >= 30;
  // `q`: nothing but the ID, unless the build fails: then what it printed, then the error.
  const held: object[] | undefined = req.quiet ? [] : undefined;
  const put = (m: object): void => {
    if (held) held.push(m);
    else out.write(m);
  };
  const sink: BuildSink = {
    stream: (text) => put({ stream: text }),
    aux: (value) => {
      if (wantAux) put({ aux: value });
    },
    progress: (e) => {
      if (!held) out.progress(e);
    },
  };
  try {
    const id = await s.builder.build(req, ctx.req, sink, ctx.signal);
    if (held) out.write({ stream: `${id}\n` });
    out.end();
  } catch (err) {
    if (held && held.length > 0) for (const m of held) out.write(m);
    if (!out.hasStarted) throw err;
    out.error(err, err instanceof StepFailedError ? err.exitCode : undefined);
    out.end();
  }
}

/** The query as moby's newImageBuildOptions reads it, with its messages for bad values. */
export function buildRequest(ctx: RequestContext): BuildRequest {
  const q = ctx.query;
  const r = defaultBuildRequest();
  if (q.getAll('securityopt').length > 0) throw invalidArgument('security options are not supported on linux');
  if (queryBool(q, 'squash')) throw invalidArgument('squash is only supported with experimental mode');
  const version = q.get('version') ?? '';
  if (version !== '' && version !== '1' && version !== '2') throw invalidArgument(`invalid version "${version}"`);
  if (version === '2') throw invalidArgument('BuildKit (builder version 2) is not supported by this daemon: use the classic builder (version 1)');
  const isolation = q.get('isolation') ?? '';
  if (isolation !== '' && isolation.toLowerCase() !== 'default') throw invalidArgument(`unsupported isolation: "${isolation}"`);
  r.dockerfile = q.get('dockerfile') ?? '';
  r.tags = q.getAll('t');
  r.quiet = queryBool(q, 'q');
  r.noCache = queryBool(q, 'nocache');
  r.pull = queryBool(q, 'pull');
  r.forceRemove = queryBool(q, 'forcerm');
  r.remove = r.forceRemove || queryBool(q, 'rm', true);
  r.target = q.get('target') ?? '';
  r.remote = q.get('remote') ?? '';
  if (ctx.apiMinor >= 32) r.platform = q.get('platform') ?? '';
  const h = r.host;
  h.networkMode = q.get('networkmode') ?? '';
  h.extraHosts = q.getAll('extrahosts').filter((x) => x !== '');
  h.memory = int64OrZero(q.get('memory'));
  h.memorySwap = int64OrZero(q.get('memswap'));
  h.cpuShares = int64OrZero(q.get('cpushares'));
  h.cpuPeriod = int64OrZero(q.get('cpuperiod'));
  h.cpuQuota = int64OrZero(q.get('cpuquota'));
  h.cpusetCpus = q.get('cpusetcpus') ?? '';
  h.cpusetMems = q.get('cpusetmems') ?? '';
  h.cgroupParent = q.get('cgroupparent') ?? '';
  const shm = q.get('shmsize');
  if (shm !== null && shm !== '') {
    if (!/^[+-]?\d+$/.test(shm)) throw invalidArgument(`strconv.ParseInt: parsing "${shm}": invalid syntax`);
    h.shmSize = Number(shm);
  }
  const ulimits = jsonParam<{ Name?: string; Soft?: number; Hard?: number }[]>(q.get('ulimits'), 'error reading ulimit settings');
  if (ulimits) h.ulimits = ulimits.map((u) => ({ name: u.Name ?? '', soft: Number(u.Soft ?? 0), hard: Number(u.Hard ?? 0) }));
  const args = jsonParam<Record<string, string | null>>(q.get('buildargs'), 'error reading build args');
  if (args) r.buildArgs = new Map(Object.entries(args).map(([k, v]) => [k, v === null ? null : String(v)]));
  const labels = jsonParam<Record<string, string>>(q.get('labels'), 'error reading labels');
  if (labels) r.labels = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
  const cacheFrom = jsonParam<string[]>(q.get('cachefrom'), 'error reading cache-from');
  if (cacheFrom) r.cacheFrom = cacheFrom.map(String);
  r.auth = registryConfig(ctx.req.headers['x-registry-config']);
  return r;
}

/** httputils.Int64ValueOrZero: anything that is not a number is 0. */
function int64OrZero(v: string | null): number {
  if (v === null || !/^[+-]?\d+$/.test(v)) return 0;
  return Number(v);
}

function jsonParam<T>(v: string | null, what: string): T | undefined {
  if (v === null || v === '') return undefined;
  try {
    return JSON.parse(v) as T;
  } catch (err) {
    throw invalidArgument(`${what}: ${(err as Error).message}`);
  }
}

/** `X-Registry-Config`: base64url JSON of credentials by registry; unreadable means none (as moby). */
function registryConfig(header: string | string[] | undefined): AuthConfigs {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return {};
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as AuthConfigs) : {};
  } catch {
    return {};
  }
}
