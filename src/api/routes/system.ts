import { toWireVolume } from './volumes.js';
import { FilterArgs, parseTimestamp } from '../../base/filters.js';
import { eventMatcher, type EngineEvent } from '../../events/index.js';
import { sendJson, type RequestContext } from '../context.js';
import type { Route } from '../context.js';
import type { EngineServices } from '../services.js';
import { toWireImageSummary } from './images.js';
import { diskUsageForVersion, infoForVersion } from '../version-quirks.js';

/** moby's registry.ServiceConfig: the insecure CIDRs, one IndexConfig per named registry, mirrors. */
function registryConfigWire(s: EngineServices): Record<string, unknown> {
  const c = s.registry.config();
  const indexConfigs: Record<string, unknown> = {};
  for (const name of c.insecureNames) indexConfigs[name] = { Name: name, Mirrors: [], Secure: false, Official: false };
  indexConfigs['docker.io'] = { Name: 'docker.io', Mirrors: c.mirrors, Secure: true, Official: true };
  return { IndexConfigs: indexConfigs, InsecureRegistryCIDRs: c.cidrs, Mirrors: c.mirrors };
}

function ping(ctx: RequestContext): Promise<void> {
  ctx.res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Builder-Version': '1',
    Swarm: 'inactive',
    'Content-Length': ctx.req.method === 'HEAD' ? 0 : 2,
  });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : 'OK');
  return Promise.resolve();
}

export function systemRoutes(s: EngineServices): Route[] {
  return [
    ['GET', '/_ping', ping],
    ['HEAD', '/_ping', ping],
    ['GET', '/debug/vars', async (ctx) => sendJson(ctx.res, 200, s.system.debugVars())],
    [
      'GET',
      '/version',
      async (ctx) => {
        const v = s.system.version();
        const details = { ApiVersion: v.apiVersion, Arch: v.arch, BuildTime: v.buildTime, Experimental: 'false', GitCommit: v.gitCommit, GoVersion: v.goVersion, KernelVersion: v.kernelVersion, MinAPIVersion: v.minApiVersion, Os: v.os };
        sendJson(ctx.res, 200, {
          Platform: { Name: `berth ${v.version}` },
          Components: [{ Name: 'Engine', Version: v.version, Details: details }],
          Version: v.version,
          ApiVersion: v.apiVersion,
          MinAPIVersion: v.minApiVersion,
          GitCommit: v.gitCommit,
          GoVersion: v.goVersion,
          Os: v.os,
          Arch: v.arch,
          KernelVersion: v.kernelVersion,
          BuildTime: v.buildTime,
        });
      },
    ],
    [
      'GET',
      '/info',
      async (ctx) => {
        const i = await s.system.info();
        sendJson(ctx.res, 200, infoForVersion({
          ID: i.id,
          Containers: i.containers.total,
          ContainersRunning: i.containers.running,
          ContainersPaused: i.containers.paused,
          ContainersStopped: i.containers.stopped,
          Images: i.images,
          Driver: i.driver,
          DriverStatus: i.driverStatus,
          Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file', 'local'] },
          MemoryLimit: true,
          SwapLimit: true,
          CpuCfsPeriod: true,
          CpuCfsQuota: true,
          CPUShares: true,
          CPUSet: true,
          PidsLimit: true,
          IPv4Forwarding: true,
          Debug: i.debug,
          NFd: 0,
          OomKillDisable: true,
          NGoroutines: 0,
          SystemTime: i.systemTime,
          LoggingDriver: i.loggingDriver,
          CgroupDriver: i.cgroupDriver,
          CgroupVersion: i.cgroupVersion,
          NEventsListener: 0,
          KernelVersion: i.kernelVersion,
          OperatingSystem: i.operatingSystem,
          OSVersion: i.osVersion,
          OSType: 'linux',
          Architecture: i.architecture,
          IndexServerAddress: 'https://index.docker.io/v1/',
          RegistryConfig: registryConfigWire(s),
          NCPU: i.ncpu,
          MemTotal: i.memTotal,
          DockerRootDir: i.dataRoot,
          HttpProxy: i.httpProxy,
          HttpsProxy: i.httpsProxy,
          NoProxy: i.noProxy,
          Name: i.name,
          Labels: i.labels,
          ExperimentalBuild: false,
          ServerVersion: i.serverVersion,
          Runtimes: Object.fromEntries(Object.entries(i.runtimes).map(([k, r]) => [k, { path: r.path, ...(r.status ? { status: r.status } : {}) }])),
          DefaultRuntime: i.defaultRuntime,
          Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
          LiveRestoreEnabled: i.liveRestoreEnabled,
          Isolation: '',
          InitBinary: i.initBinary,
          SecurityOptions: i.securityOptions,
          ContainerdCommit: { ID: '' },
          RuncCommit: { ID: '' },
          InitCommit: { ID: '' },
          Warnings: i.warnings,
        }, ctx.apiMinor));
      },
    ],
    ['GET', '/events', async (ctx) => streamEvents(s, ctx)],
    [
      'GET',
      '/system/df',
      async (ctx) => {
        const { images, layersSize } = await s.images.usage();
        sendJson(ctx.res, 200, diskUsageForVersion({
          LayersSize: layersSize,
          Images: images.map((img) => ({ ...toWireImageSummary(img, ctx.apiMinor), Containers: 0 })),
          Containers: [],
          // moby counts local volumes without mount options only (their files are on this disk).
          Volumes: s.volumes
            .list()
            .filter((v) => v.options === null || Object.keys(v.options).length === 0)
            .map((v) => ({ ...toWireVolume(v), UsageData: { Size: s.volumes.size(v.name), RefCount: v.refs.length } })),
          BuildCache: [],
        }, ctx.apiMinor));
      },
    ],
  ];
}

async function streamEvents(s: EngineServices, ctx: RequestContext): Promise<void> {
  const match = eventMatcher(FilterArgs.parse(ctx.query.get('filters')));
  const toNano = (v: string | null): bigint | undefined => (v ? BigInt(parseTimestamp(v)) * 1_000_000n : undefined);
  const since = toNano(ctx.query.get('since'));
  const until = toNano(ctx.query.get('until'));
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  const send = (e: EngineEvent): void => {
    if (match(e)) ctx.res.write(eventJson(e) + '\n');
  };
  if (since !== undefined) for (const e of s.events.history(since, until)) send(e);
  const nowNano = BigInt(Date.now()) * 1_000_000n;
  if (until !== undefined && until <= nowNano) {
    ctx.res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const unsubscribe = s.events.subscribe((e) => {
      if (until !== undefined && e.timeNano > until) return;
      send(e);
    });
    const timer = until !== undefined ? setTimeout(finish, Number((until - nowNano) / 1_000_000n)) : undefined;
    function finish(): void {
      unsubscribe();
      if (timer) clearTimeout(timer);
      ctx.res.end();
      resolve();
    }
    ctx.signal.addEventListener('abort', finish, { once: true });
  });
}

/** Docker's event JSON, with the legacy `status`/`id`/`from` fields that old clients read. */
export function toWireEvent(e: EngineEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (e.type === 'container' || e.type === 'image') {
    out.status = e.action;
    out.id = e.actor.id;
    if (e.type === 'container' && e.actor.attributes.image) out.from = e.actor.attributes.image;
  }
  return {
    ...out,
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.actor.id, Attributes: e.actor.attributes },
    scope: e.scope,
    time: Number(e.timeNano / 1_000_000_000n),
    timeNano: String(e.timeNano),
  };
}

/** JSON cannot carry a bigint: timeNano is written as an integer literal by hand. */
export function eventJson(e: EngineEvent): string {
  return JSON.stringify(toWireEvent(e)).replace(/"timeNano":"(\d+)"/, '"timeNano":$1');
}
