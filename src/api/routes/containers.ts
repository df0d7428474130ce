/** Container endpoints: thin translations between Docker's wire format and ContainerService. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { BerthError, conflict, invalidArgument } from '../../base/errors.js';
import { FilterArgs, parseTimestamp } from '../../base/filters.js';
import type { ContainerRecord } from '../../containers/index.js';
import type { CgroupStats } from '../../runtime/index.js';
import { networkSettingsToWire, portSummaryToWire } from '../network-wire.js';
import { configFromWire, configToWire, endpointsFromWire, healthStateToWire, hostConfigFromWire, hostConfigToWire, humanStatus, mountPointsToWire, updateFromWire } from '../container-wire.js';
import { queryBool, queryInt, readBody, sendEmpty, sendJson, type RequestContext, type Route } from '../context.js';
import * as wire from '../../wire/index.js';
import { containerInspectForVersion, removeRefusalForVersion, waitForVersion } from '../version-quirks.js';
import { DetachScanner, frame, hijackHead, parseDetachKeys, safeWrite } from '../hijack.js';
import type { EngineServices } from '../services.js';

type Json = Record<string, unknown>;

export function toWireSummary(rec: ContainerRecord, s: EngineServices, names: (rec: ContainerRecord) => string[] = s.containers.names()): Json {
  const mode = rec.hostConfig.networkMode === 'default' ? 'bridge' : rec.hostConfig.networkMode;
  return {
    Id: rec.id,
    Names: names(rec),
    Image: rec.config.image,
    ImageID: rec.imageId,
    Command: [rec.path, ...rec.args].join(' '),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: portSummaryToWire(rec),
    Labels: rec.config.labels,
    State: rec.state.status,
    Status: humanStatus(rec),
    HostConfig: { NetworkMode: mode },
    NetworkSettings: { Networks: (networkSettingsToWire(rec, s.networks).Networks as Json) ?? {} },
    Mounts: mountPointsToWire(rec.mounts),
  };
}

export function toWireInspect(rec: ContainerRecord, s: EngineServices): Json {
  const st = rec.state;
  // `--network container:X` uses X's /etc files (moby shows their paths).
  const etcDir = s.containers.logPath(rec.etcOwner ?? rec.id).replace(/container\.log$/, '');
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: st.status,
      Running: st.status === 'running' || st.status === 'paused',
      Paused: st.status === 'paused',
      Restarting: st.status === 'restarting',
      OOMKilled: st.oomKilled,
      Dead: st.status === 'dead',
      Pid: st.pid,
      ExitCode: st.exitCode,
      Error: st.error,
      StartedAt: st.startedAt,
      FinishedAt: st.finishedAt,
      ...(st.health ? { Health: healthStateToWire(st.health) } : {}),
    },
    Image: rec.imageId,
    ResolvConfPath: `${etcDir}resolv.conf`,
    HostnamePath: `${etcDir}hostname`,
    HostsPath: `${etcDir}hosts`,
    LogPath: s.containers.logPath(rec.id),
    Name: rec.name,
    RestartCount: rec.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: hostConfigToWire(rec.hostConfig, s.containers.links(rec)),
    GraphDriver: { Name: 'overlay2', Data: null },
    Mounts: mountPointsToWire(rec.mounts),
    Config: configToWire(rec.config),
    NetworkSettings: networkSettingsToWire(rec, s.networks),
  };
}

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTH = ['none', 'starting', 'healthy', 'unhealthy'];

function listFilter(f: FilterArgs, all: ContainerRecord[], find: (ref: string) => ContainerRecord): (c: ContainerRecord) => boolean {
  f.validate(['id', 'name', 'label', 'status', 'ancestor', 'exited', 'before', 'since', 'volume', 'network', 'publish', 'expose', 'health', 'isolation', 'is-task']);
  for (const st of f.get('status')) if (!STATUSES.includes(st)) throw invalidArgument(`invalid filter 'status=${st}'`);
  for (const h of f.get('health')) if (!HEALTH.includes(h)) throw invalidArgument(`invalid filter 'health=${h}': invalid value for health (${h}): must be one of ${HEALTH.join(', ')}`);
  const before = f.get('before').map((r) => find(r).created);
  const since = f.get('since').map((r) => find(r).created);
  void all;
  return (c) => {
    if (f.has('id') && !f.get('id').some((p) => c.id.startsWith(p))) return false;
    if (f.has('name') && !f.get('name').some((n) => new RegExp(n).test(c.name.slice(1)) || new RegExp(n).test(c.name))) return false;
    if (f.has('label') && !f.matchLabels('label', c.config.labels)) return false;
    if (f.has('status') && !f.get('status').includes(c.state.status)) return false;
    if (f.has('health') && !f.get('health').includes(c.state.health?.status ?? 'none')) return false;
    if (f.has('exited') && !(c.state.status === 'exited' && f.get('exited').map(Number).includes(c.state.exitCode))) return false;
    if (f.has('ancestor') && !f.get('ancestor').some((a) => c.config.image === a || c.imageId === a || c.imageId.startsWith(`sha256:${a}`) || c.config.image === `${a}:latest` || `${c.config.image}:latest` === a)) return false;
    if (before.some((t) => c.created >= t)) return false;
    if (since.some((t) => c.created <= t)) return false;
    // moby: a volume's name or a mount's destination.
    if (f.has('volume') && !f.get('volume').some((v) => (c.mounts ?? []).some((m) => m.name === v || m.destination === v))) return false;
    return true;
  };
}

/** Docker's SizeRw (the writable layer) and SizeRootFs (that plus the image). */
async function sizes(s: EngineServices, rec: ContainerRecord): Promise<{ SizeRw: number; SizeRootFs: number }> {
  const rw = s.containers.content.sizeRw(rec.id);
  const image = await s.images.image(rec.imageId).then((i) => i.size).catch(() => 0);
  return { SizeRw: rw, SizeRootFs: rw + image };
}

async function list(s: EngineServices, ctx: RequestContext): Promise<void> {
  const all = queryBool(ctx.query, 'all');
  const limit = queryInt(ctx.query, 'limit') ?? -1;
  const f = FilterArgs.parse(ctx.query.get('filters'));
  const match = listFilter(f, s.containers.list(), (r) => s.containers.find(r));
  let items = s.containers
    .list()
    .filter((c) => all || limit > 0 || f.has('status') || f.has('exited') || c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting')
    .filter(match)
    .sort((a, b) => (a.created < b.created ? 1 : -1));
  if (limit > 0) items = items.slice(0, limit);
  const withSize = queryBool(ctx.query, 'size');
  const names = s.containers.names();
  sendJson(ctx.res, 200, await Promise.all(items.map(async (c) => ({ ...toWireSummary(c, s, names), ...(withSize ? await sizes(s, c) : {}) }))));
}

async function create(s: EngineServices, ctx: RequestContext): Promise<void> {
  const body = (await readBody(ctx, wire.CreateRequest, 'invalid JSON: got EOF while reading request body'))!;
  const host = s.system.hostCaps();
  const warnings = wire.checkCreate(body, { apiMinor: ctx.apiMinor, caps: host.resources, runtimes: host.runtimes, defaultRuntime: host.defaultRuntime });
  const name = ctx.query.get('name') ?? undefined;
  const r = await s.containers.create({
    ...(name ? { name } : {}),
    config: configFromWire(body),
    hostConfig: hostConfigFromWire(body.HostConfig ?? {}),
    endpoints: endpointsFromWire(body.NetworkingConfig),
    macAddress: body.MacAddress ?? '',
  });
  sendJson(ctx.res, 201, { Id: r.id, Warnings: [...warnings, ...r.warnings] });
}

/** `POST /containers/{id}/update`: moby's postContainerUpdate and ContainerUpdate checks. */
async function update(s: EngineServices, ctx: RequestContext): Promise<void> {
  const body = (await readBody(ctx, wire.UpdateConfig)) ?? {};
  if (ctx.apiMinor < 40) body.PidsLimit = undefined;
  if (ctx.apiMinor < 42) body.KernelMemory = 0;
  wire.checkRestartPolicy(body.RestartPolicy?.Name ?? '', body.RestartPolicy?.MaximumRetryCount ?? 0);
  const warnings = wire.checkResources(body, s.system.hostCaps().resources, true);
  await s.containers.update(ctx.params.id!, updateFromWire(body));
  sendJson(ctx.res, 200, { Warnings: warnings.length ? warnings : null });
}

function timeoutParam(ctx: RequestContext): number | undefined {
  return queryInt(ctx.query, 't') ?? queryInt(ctx.query, 'timeout');
}

async function wait(s: EngineServices, ctx: RequestContext): Promise<void> {
  const rec = s.containers.find(ctx.params.id!);
  const how = waitForVersion(ctx.apiMinor);
  const condition = ((how.readCondition && ctx.query.get('condition')) || 'not-running') as 'not-running' | 'next-exit' | 'removed';
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw invalidArgument(`invalid condition: "${condition}"`);
  const waiting = s.containers.waitFor(rec.id, condition);
  if (how.headersFirst) {
    // Headers now: the CLI waits for them before it starts the container.
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.res.flushHeaders();
  }
  const r = await Promise.race([waiting, new Promise<undefined>((resolve) => ctx.signal.addEventListener('abort', () => resolve(undefined), { once: true }))]);
  if (!r) return;
  if (!how.headersFirst) ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  if (condition === 'removed' && r.error && how.emptyOnRemovalError) {
    ctx.res.end();
    return;
  }
  ctx.res.end(JSON.stringify({ StatusCode: r.statusCode, Error: r.error ? { Message: r.error } : null }) + '\n');
}

async function logs(s: EngineServices, ctx: RequestContext): Promise<void> {
  const rec = s.containers.find(ctx.params.id!);
  const q = ctx.query;
  const stdout = queryBool(q, 'stdout');
  const stderr = queryBool(q, 'stderr');
  if (!stdout && !stderr) throw invalidArgument('You must choose at least one stream');
  const tailRaw = q.get('tail') ?? 'all';
  const tail = tailRaw === 'all' || tailRaw === '' ? undefined : Number(tailRaw);
  if (tail !== undefined && !Number.isInteger(tail)) throw invalidArgument(`invalid value for "tail": "${tailRaw}"`);
  const ns = (v: string | null): bigint | undefined => (v && v !== '0' ? BigInt(parseTimestamp(v)) * 1_000_000n : undefined);
  const timestamps = queryBool(q, 'timestamps');
  const tty = rec.config.tty;
  const records = s.containers.logs(rec.id, { tail: tail !== undefined && tail >= 0 ? tail : undefined, sinceNs: ns(q.get('since')), untilNs: ns(q.get('until')), follow: queryBool(q, 'follow'), signal: ctx.signal });
  ctx.res.writeHead(200, { 'Content-Type': tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream' });
  ctx.res.flushHeaders();
  for await (const r of records) {
    if ((r.stream === 'stdout' && !stdout) || (r.stream === 'stderr' && !stderr)) continue;
    const data = timestamps ? Buffer.concat([Buffer.from(`${r.time} `), r.line]) : r.line;
    ctx.res.write(tty ? data : frame(r.stream, data));
  }
  ctx.res.end();
}

/** `POST /containers/{id}/attach`, on an upgraded or plain connection. */
export function attach(s: EngineServices, req: IncomingMessage, socket: Duplex, head: Buffer, id: string, query: URLSearchParams, upgrade: boolean): void {
  let rec: ContainerRecord;
  let keys: Buffer;
  try {
    rec = s.containers.find(id);
    keys = parseDetachKeys(query.get('detachKeys') || 'ctrl-p,ctrl-q');
  } catch (err) {
    const e = err as BerthError;
    const status = e.kind === 'NotFound' ? 404 : 400;
    const body = JSON.stringify({ message: e.message }) + '\n';
    socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return;
  }
  void req;
  const tty = rec.config.tty;
  const want = { stdin: queryBool(query, 'stdin'), stdout: queryBool(query, 'stdout'), stderr: queryBool(query, 'stderr') };
  socket.write(hijackHead(upgrade, tty));
  let detached = false;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    stop();
    // Half-close first so the client reads everything, then let the socket go.
    if (!socket.destroyed) socket.end();
  };
  const replay = async (): Promise<void> => {
    if (!queryBool(query, 'logs')) return;
    for await (const r of s.containers.logs(rec.id, { follow: false, signal: new AbortController().signal })) {
      if ((r.stream === 'stdout' && !want.stdout) || (r.stream === 'stderr' && !want.stderr)) continue;
      safeWrite(socket, tty ? r.line : frame(r.stream, r.line));
    }
  };
  let stop: () => void = () => {};
  // A container without a log (driver none) has nothing to replay: the live stream still comes.
  void replay().catch(() => {}).then(() => {
    if (!queryBool(query, 'stream', true)) {
      finish();
      return;
    }
    stop = s.containers.attach(
      rec.id,
      (stream, data) => {
        if ((stream === 'stdout' && !want.stdout) || (stream === 'stderr' && !want.stderr)) return;
        safeWrite(socket, tty ? data : frame(stream, data));
      },
      finish,
    );
  });
  if (want.stdin) {
    const scanner = new DetachScanner(tty ? keys : Buffer.alloc(0));
    const onStdin = (data: Buffer): void => {
      if (detached) return;
      const { pass, detach } = scanner.push(data);
      if (pass.length) void s.containers.writeStdin(rec.id, pass);
      if (detach) {
        detached = true;
        finish();
      }
    };
    if (head.length) onStdin(head);
    socket.on('data', onStdin);
    socket.on('end', () => {
      // The client's stdin ended: a StdinOnce container's stdin closes with it, unless it has a
      // TTY (moby's rule: the docker CLI half-closes on a detach it handled itself).
      if (!detached && rec.config.stdinOnce && !rec.config.tty) s.containers.closeStdin(rec.id);
    });
  } else {
    socket.resume();
  }
  socket.on('close', () => {
    finished = true;
    stop();
  });
  socket.on('error', () => {});
}

/** Docker's stats object: one sample, with the previous one as `precpu_stats`. */
function statsJson(rec: ContainerRecord, sample: (CgroupStats & { networks?: unknown }) | undefined, previous: CgroupStats | undefined, read: Date, preread: Date): Json {
  const zeroCpu = { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
  return {
    read: read.toISOString(),
    preread: previous ? preread.toISOString() : '0001-01-01T00:00:00Z',
    pids_stats: sample?.pids_stats ?? {},
    blkio_stats: sample?.blkio_stats ?? { io_service_bytes_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: sample?.cpu_stats ?? zeroCpu,
    precpu_stats: previous?.cpu_stats ?? zeroCpu,
    memory_stats: sample?.memory_stats ?? {},
    ...(sample?.networks ? { networks: sample.networks } : {}),
    name: rec.name,
    id: rec.id,
  };
}

async function stats(s: EngineServices, ctx: RequestContext): Promise<void> {
  const stream = queryBool(ctx.query, 'stream', true);
  const oneShot = queryBool(ctx.query, 'one-shot');
  let { rec, sample } = s.containers.content.stats(ctx.params.id!);
  let prevAt = new Date();
  let previous: CgroupStats | undefined;
  if (!stream) {
    // Docker's non-streamed stats carry a pre-sample a moment earlier, for the CPU percentage.
    if (!oneShot && sample) {
      previous = sample;
      prevAt = new Date();
      await new Promise((r) => setTimeout(r, 1000));
      ({ sample } = s.containers.content.stats(rec.id));
    }
    sendJson(ctx.res, 200, statsJson(rec, sample, previous, new Date(), prevAt));
    return;
  }
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  while (!ctx.signal.aborted) {
    const now = new Date();
    ctx.res.write(JSON.stringify(statsJson(rec, sample, previous, now, prevAt)) + '\n');
    previous = sample;
    prevAt = now;
    await new Promise<void>((r) => {
      const t = setTimeout(r, 1000);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(t);
        r();
      }, { once: true });
    });
    try {
      ({ rec, sample } = s.containers.content.stats(rec.id));
    } catch {
      break;
    }
  }
  ctx.res.end();
}

export function containerRoutes(s: EngineServices): Route[] {
  const id = (ctx: RequestContext): string => ctx.params.id!;
  return [
    ['GET', '/containers/json', (ctx) => list(s, ctx)],
    ['POST', '/containers/create', (ctx) => create(s, ctx)],
    ['GET', '/containers/:id/json', async (ctx) => {
      const rec = s.containers.find(id(ctx));
      const body = containerInspectForVersion(toWireInspect(rec, s), rec, ctx.apiMinor);
      if (queryBool(ctx.query, 'size')) Object.assign(body, await sizes(s, rec));
      sendJson(ctx.res, 200, body);
    }],
    ['POST', '/containers/:id/start', async (ctx) => {
      // moby refuses a host config on start (API < 1.24 sent one): anything longer than the
      // shortest JSON object with a member, or of unknown length.
      const length = ctx.req.headers['content-length'];
      if (length === undefined ? ctx.req.headers['transfer-encoding'] !== undefined : Number(length) > 7) {
        throw invalidArgument('starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24');
      }
      await s.containers.start(id(ctx));
      sendEmpty(ctx.res, 204);
    }],
    ['POST', '/containers/:id/stop', async (ctx) => {
      await s.containers.stop(id(ctx), { timeout: timeoutParam(ctx), signal: ctx.query.get('signal') ?? undefined });
      sendEmpty(ctx.res, 204);
    }],
    ['POST', '/containers/:id/restart', async (ctx) => {
      await s.containers.restart(id(ctx), { timeout: timeoutParam(ctx), signal: ctx.query.get('signal') ?? undefined });
      sendEmpty(ctx.res, 204);
    }],
    ['POST', '/containers/:id/kill', async (ctx) => {
      await s.containers.kill(id(ctx), ctx.query.get('signal') || undefined);
      sendEmpty(ctx.res, 204);
    }],
    ['POST', '/containers/:id/pause', async (ctx) => {
      await s.containers.pause(id(ctx));
      sendEmpty(ctx.res, 204);
    }],
    ['POST', '/containers/:id/unpause', async (ctx) => {
      await s.containers.unpause(id(ctx));
      sendEmpty(ctx.res, 204);
    }],
    ['POST', '/containers/:id/rename', async (ctx) => {
      await s.containers.rename(id(ctx), ctx.query.get('name') ?? '');
      sendEmpty(ctx.res, 204);
    }],
    ['POST', '/containers/:id/resize', async (ctx) => {
      const h = queryInt(ctx.query, 'h') ?? 0;
      const w = queryInt(ctx.query, 'w') ?? 0;
      await s.containers.resize(id(ctx), h, w);
      sendEmpty(ctx.res, 200);
    }],
    ['POST', '/containers/:id/wait', (ctx) => wait(s, ctx)],
    ['HEAD', '/containers/:id/archive', async (ctx) => {
      const st = await s.containers.content.statPath(id(ctx), ctx.query.get('path') ?? '');
      ctx.res.writeHead(200, { 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(st)).toString('base64'), 'Content-Type': 'application/json' });
      ctx.res.end();
    }],
    ['GET', '/containers/:id/archive', async (ctx) => {
      await s.containers.content.getArchive(id(ctx), ctx.query.get('path') ?? '', (st) => {
        ctx.res.writeHead(200, { 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(st)).toString('base64'), 'Content-Type': 'application/x-tar' });
        return ctx.res;
      }, ctx.signal);
      ctx.res.end();
    }],
    ['PUT', '/containers/:id/archive', async (ctx) => {
      await s.containers.content.putArchive(id(ctx), ctx.query.get('path') ?? '', ctx.req, ctx.signal);
      sendEmpty(ctx.res, 200);
    }],
    ['POST', '/containers/:id/update', (ctx) => update(s, ctx)],
    ['GET', '/containers/:id/top', async (ctx) => {
      const r = await s.containers.content.top(id(ctx), ctx.query.get('ps_args') ?? '');
      sendJson(ctx.res, 200, { Titles: r.titles, Processes: r.processes });
    }],
    ['GET', '/containers/:id/stats', (ctx) => stats(s, ctx)],
    ['GET', '/containers/:id/changes', async (ctx) => sendJson(ctx.res, 200, s.containers.content.diff(id(ctx)).map((c) => ({ Path: c.path, Kind: c.kind })))],
    ['GET', '/containers/:id/export', async (ctx) => {
      s.containers.find(id(ctx));
      ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      await s.containers.content.export(id(ctx), ctx.res, ctx.signal);
    }],
    ['GET', '/containers/:id/logs', (ctx) => logs(s, ctx)],
    // Any path: a link's name (`rm --link /source/alias`) has a slash in it, which clients send as is.
    ['DELETE', '/containers/*', async (ctx) => {
      const ref = ctx.params['*']!;
      const force = queryBool(ctx.query, 'force');
      if (queryBool(ctx.query, 'link')) {
        await s.containers.removeLink(ref);
      } else {
        const legacy = force ? undefined : removeRefusalForVersion(s.containers.find(ref), ctx.apiMinor);
        if (legacy) throw conflict(legacy);
        await s.containers.remove(ref, { force, volumes: queryBool(ctx.query, 'v') });
      }
      sendEmpty(ctx.res, 204);
    }],
    ['POST', '/containers/:id/attach', async (ctx) => {
      // A client that did not ask for an upgrade (old docker-py) still gets the stream.
      const socket = ctx.req.socket;
      ctx.res.detachSocket(socket);
      attach(s, ctx.req, socket, Buffer.alloc(0), id(ctx), ctx.query, false);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    }],
    ['POST', '/commit', async (ctx) => {
      const q = ctx.query;
      const container = q.get('container');
      if (!container) throw invalidArgument('container is required');
      const repo = q.get('repo') ?? '';
      const tag = q.get('tag') ?? '';
      if (!repo && tag) throw invalidArgument('tag without a repository');
      // The request body (a Config to merge) is read and, for now, only validated.
      await readBody(ctx, wire.CreateRequest);
      const id = await s.containers.content.commit(container, {
        tag: repo ? `${repo}${tag ? `:${tag}` : ''}` : undefined,
        comment: q.get('comment') ?? '',
        author: q.get('author') ?? '',
        pause: queryBool(q, 'pause', true),
        changes: q.getAll('changes').flatMap((c) => c.split('\n')).filter(Boolean),
      });
      sendJson(ctx.res, 201, { Id: id });
    }],
    ['POST', '/containers/prune', async (ctx) => {
      const f = FilterArgs.parse(ctx.query.get('filters'));
      f.validate(['label', 'label!', 'until']);
      const until = f.get('until').map((v) => parseTimestamp(v));
      const deleted: string[] = [];
      let reclaimed = 0;
      for (const c of s.containers.list()) {
        if (c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting') continue;
        if (f.has('label') && !f.matchLabels('label', c.config.labels)) continue;
        if (f.has('label!') && f.get('label!').some((l) => { const [k, v] = l.split('='); return k! in c.config.labels && (v === undefined || c.config.labels[k!] === v); })) continue;
        if (until.some((t) => Date.parse(c.created) >= t)) continue;
        // moby counts each removed container's writable layer.
        const size = s.containers.content.sizeRw(c.id);
        await s.containers.remove(c.id, {});
        deleted.push(c.id);
        reclaimed += size;
      }
      sendJson(ctx.res, 200, { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
    }],
  ];
}
