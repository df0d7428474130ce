import { detectCgroups } from '../runtime/index.js';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import type { DebugVars, EngineInfo, HostCaps, SystemService, VersionInfo } from '../api/index.js';
import { getHeapStatistics } from 'node:v8';
import { readResourceCaps } from './host-caps.js';
import { API_MAX_MINOR, API_MIN_MINOR } from '../api/index.js';
import type { DaemonConfig } from './config.js';

export const BERTH_VERSION = '0.1.0';

export interface InfoSources {
  imageCount(): number;
  containerCounts(): { total: number; running: number; paused: number; stopped: number };
  engineId: string;
  config: () => DaemonConfig;
}

/** Host facts for `/version` and `/info`, read from the kernel and /etc once where they cannot change. */
export class HostSystemService implements SystemService {
  private readonly osName = readOsRelease();
  private readonly cgroup = detectCgroups();
  private readonly resources = readResourceCaps();
  private readonly runtimes = ['runc', 'crun'].filter((name) => findBinary(name) !== undefined);

  constructor(private readonly src: InfoSources) {}

  version(): VersionInfo {
    return {
      version: BERTH_VERSION,
      apiVersion: `1.${API_MAX_MINOR}`,
      minApiVersion: `1.${API_MIN_MINOR}`,
      gitCommit: 'berth',
      goVersion: `node${process.versions.node}`,
      os: 'linux',
      arch: process.arch === 'x64' ? 'amd64' : process.arch,
      kernelVersion: release(),
      buildTime: '',
    };
  }

  hostCaps(): HostCaps {
    return { resources: this.resources, runtimes: this.runtimes, defaultRuntime: this.src.config().defaultRuntime };
  }

  debugVars(): DebugVars {
    const m = process.memoryUsage();
    const h = getHeapStatistics();
    return {
      cmdline: [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
      memstats: { rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, heapSizeLimit: h.heap_size_limit, mallocedMemory: h.malloced_memory },
    };
  }

  async info(): Promise<EngineInfo> {
    const cfg = this.src.config();
    const runtimes: EngineInfo['runtimes'] = {};
    for (const name of ['runc', 'crun']) {
      const path = findBinary(name);
      if (path) runtimes[name] = { path };
    }
    const warnings: string[] = [];
    if (this.cgroup.hybrid) warnings.push('WARNING: this host uses hybrid cgroups (v1 with a v2 mount): crun 1.8 cannot run containers here; runc can');
    return {
      id: this.src.engineId,
      name: hostname(),
      serverVersion: BERTH_VERSION,
      images: this.src.imageCount(),
      containers: this.src.containerCounts(),
      driver: 'overlay2',
      driverStatus: [
        ['Backing Filesystem', backingFs(cfg.dataRoot)],
        ['Supports d_type', 'true'],
        ['Using metacopy', 'false'],
        ['Native Overlay Diff', 'true'],
        ['userxattr', 'false'],
      ],
      dataRoot: cfg.dataRoot,
      execRoot: cfg.execRoot,
      ncpu: cpus().length,
      memTotal: totalmem(),
      kernelVersion: release(),
      operatingSystem: this.osName.pretty,
      osVersion: this.osName.version,
      architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
      cgroupVersion: this.cgroup.version,
      cgroupDriver: 'cgroupfs',
      runtimes,
      defaultRuntime: cfg.defaultRuntime,
      loggingDriver: cfg.logDriver,
      debug: cfg.logLevel === 'debug',
      labels: cfg.labels,
      warnings,
      systemTime: new Date().toISOString(),
      httpProxy: process.env.HTTP_PROXY ?? '',
      httpsProxy: process.env.HTTPS_PROXY ?? '',
      noProxy: process.env.NO_PROXY ?? '',
      securityOptions: ['name=seccomp,profile=builtin'],
      liveRestoreEnabled: true,
      initBinary: 'catatonit',
    };
  }
}

function readOsRelease(): { pretty: string; version: string } {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const get = (k: string): string => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
    return { pretty: get('PRETTY_NAME') || 'Linux', version: get('VERSION_ID') };
  } catch {
    return { pretty: 'Linux', version: '' };
  }
}


function backingFs(path: string): string {
  try {
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' '));
    let best = { dir: '', type: 'unknown' };
    for (const [, dir, type] of mounts) {
      if (dir && type && (path === dir || path.startsWith(dir.endsWith('/') ? dir : dir + '/')) && dir.length >= best.dir.length) best = { dir, type };
    }
    return best.type;
  } catch {
    return 'unknown';
  }
}

/** A program in the system directories, as the daemon runs it (no PATH surprises). */
export function findBinary(name: string): string | undefined {
  return ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => `${d}/${name}`).find((p) => existsSync(p));
}
