import type { EventBus } from '../events/index.js';
import type { ImageArchives, ImagePuller, ImagePusher, ImageService } from '../images/index.js';
import type { RegistryClient } from '../distribution/index.js';
import type { ContainerService } from '../containers/index.js';
import type { VolumeService } from '../volumes/index.js';
import type { NetworkService } from '../network/index.js';
import type { ResourceCaps } from '../wire/index.js';
import type { Builder } from '../build/index.js';

/** Facts about the engine and its host, gathered by the daemon. */
export interface EngineInfo {
  id: string;
  name: string;
  serverVersion: string;
  images: number;
  containers: { total: number; running: number; paused: number; stopped: number };
  driver: string;
  driverStatus: [string, string][];
  dataRoot: string;
  execRoot: string;
  ncpu: number;
  memTotal: number;
  kernelVersion: string;
  operatingSystem: string;
  osVersion: string;
  architecture: string;
  cgroupVersion: string;
  cgroupDriver: string;
  runtimes: Record<string, { path: string; status?: Record<string, string> }>;
  defaultRuntime: string;
  loggingDriver: string;
  debug: boolean;
  labels: string[];
  warnings: string[];
  systemTime: string;
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
  securityOptions: string[];
  liveRestoreEnabled: boolean;
  initBinary: string;
}

export interface VersionInfo {
  version: string;
  apiVersion: string;
  minApiVersion: string;
  gitCommit: string;
  goVersion: string;
  os: string;
  arch: string;
  kernelVersion: string;
  buildTime: string;
}

/** What the create and update checks need to know of the host. */
export interface HostCaps {
  resources: ResourceCaps;
  /** The OCI runtimes containers may name, and the one they get when they name none. */
  runtimes: string[];
  defaultRuntime: string;
}

export interface SystemService {
  version(): VersionInfo;
  info(): Promise<EngineInfo>;
  hostCaps(): HostCaps;
  /** `GET /debug/vars` (moby serves Go's expvar there): the process's command line and memory figures. */
  debugVars(): DebugVars;
}

/** The shape of Go's expvar page, with Node's memory figures (bytes) in place of Go's MemStats. */
export interface DebugVars {
  cmdline: string[];
  memstats: Record<string, number>;
}

/** Everything the API layer calls; the daemon's composition root provides it. */
export interface EngineServices {
  system: SystemService;
  images: ImageService;
  archives: ImageArchives;
  puller: ImagePuller;
  pusher: ImagePusher;
  /** Logins and searches; pulls and pushes go through it too, behind puller and pusher. */
  registry: RegistryClient;
  events: EventBus;
  containers: ContainerService;
  volumes: VolumeService;
  networks: NetworkService;
  builder: Builder;
}

export const API_MAX_MINOR = 50;
export const API_MIN_MINOR = 21;
