/**
 * What the executor needs from the rest of the engine, as narrow interfaces (build/ imports
 * neither images/ nor containers/: daemon/ implements these with them), and the image config
 * shapes it reads and writes, in Docker's JSON casing as image configs store them.
 */
import type { ProgressEvent } from '../../base/progress.js';

/** Docker's `HealthConfig` as an image config stores it (durations in ns; zero omitted). */
export interface HealthcheckJson {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** Docker's container `Config`: an image's `config` and `container_config`. */
export interface RunConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthcheckJson | null;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number | null;
  Shell?: string[] | null;
}

export interface HistoryJson {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** An image config document, as far as the builder reads it. */
export interface ImageDoc {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: RunConfig;
  container_config?: RunConfig;
  history?: HistoryJson[];
  rootfs: { type: string; diff_ids: string[] };
}

/** A local image: its ID (`sha256:…`), config and local parent. */
export interface BuildImage {
  id: string;
  doc: ImageDoc;
  parent?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Credentials from `X-Registry-Config`, by registry host. */
export type AuthConfigs = Record<string, { username?: string; password?: string; auth?: string; serveraddress?: string; identitytoken?: string; registrytoken?: string }>;

/** A new layer's files are written to `dir`; `splitPath` receives its tar split. */
export interface LayerTarget {
  dir: string;
  splitPath: string;
}

/** What writing a layer produced: its diff ID and sizes (an empty layer has the empty tar's diff ID). */
export interface WrittenLayer {
  diffId: string;
  /** Bytes of the layer's tar. */
  tarBytes: number;
  /** Bytes of file content. */
  contentBytes: number;
}

/** One build step's image: the parent's layers (plus one, when `layer` writes one) and configs. */
export interface StepCommit {
  /** The current image; undefined after `FROM scratch`. */
  parent: BuildImage | undefined;
  /** The platform of a scratch image (a parent's is inherited). */
  platform: Platform;
  config: RunConfig;
  /** The step's config with its Cmd describing the step: the cache key (`container_config`). */
  containerConfig: RunConfig;
  /** The build container whose layer this is, for the image's `container` field. */
  containerId?: string;
  /** MAINTAINER, as the image's author. */
  author: string;
  /** Fills the new layer; absent for metadata-only steps. */
  layer?: (target: LayerTarget) => Promise<WrittenLayer>;
}

export interface PullOptions {
  platform?: Platform;
  auth: AuthConfigs;
  progress: (e: ProgressEvent) => void;
  signal: AbortSignal;
}

/**
 * The image store as the builder uses it. Lifecycle: images returned stay valid for the build
 * (the builder holds no locks; a concurrent `rmi` of a base image fails that build's later steps).
 */
export interface BuildImages {
  /** A local image by reference or ID, or undefined. */
  find(refOrId: string): Promise<BuildImage | undefined>;
  get(id: string): Promise<BuildImage>;
  /** Pulls a missing image: Docker's errors (pull access denied, not found) when it cannot. */
  pull(ref: string, opts: PullOptions): Promise<BuildImage>;
  /** Images whose local parent is `id`: the classic builder's cache candidates. */
  children(id: string): Promise<BuildImage[]>;
  /** Whether `child`'s chain of local parents reaches `ancestor`. */
  hasAncestor(child: string, ancestor: string): Promise<boolean>;
  /** The image's layer directories, bottom first. */
  layerDirs(img: BuildImage): Promise<string[]>;
  /** Makes the step's image (atomically with its layer, safe from garbage collection). */
  commit(step: StepCommit): Promise<BuildImage>;
  /** An image made from a `--cache-from` image's history entry on top of `parent` (moby's restoreCachedImage). */
  restore(parent: BuildImage | undefined, source: BuildImage, historyIndex: number, config: RunConfig): Promise<BuildImage>;
  /** Validates `-t` names before the build (Docker's `invalid reference format` and digest rules); returns them normalized for tag(). */
  checkTags(refs: readonly string[]): string[];
  /** Points a name checked by checkTags at the image; returns its familiar form. */
  tag(id: string, ref: string): Promise<string>;
}

/** A mount of a RUN step's container (RUN --mount, heredoc scripts). */
export type StepMount =
  | { type: 'bind'; source: string; target: string; readOnly: boolean }
  | { type: 'tmpfs'; target: string; sizeBytes: number };

/** The host side of a RUN step: the build's resource and network options. */
export interface StepHostOptions {
  networkMode: string;
  extraHosts: string[];
  shmSize: number;
  memory: number;
  memorySwap: number;
  cpuShares: number;
  cpuPeriod: number;
  cpuQuota: number;
  cpusetCpus: string;
  cpusetMems: string;
  cgroupParent: string;
  ulimits: { name: string; soft: number; hard: number }[];
}

export interface StepContainerSpec {
  imageId: string;
  config: RunConfig;
  host: StepHostOptions;
  mounts: StepMount[];
}

export interface StepOutput {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
}

/**
 * Runs RUN steps in containers. A build container is marked as such, so a daemon that died
 * mid-step removes it at its next start. Every container created is the caller's to remove.
 */
export interface StepRunner {
  create(spec: StepContainerSpec): Promise<{ id: string; warnings: string[] }>;
  /** Starts it with its output attached; resolves when it exits. An abort kills it and rejects. */
  run(id: string, out: StepOutput, signal: AbortSignal): Promise<{ exitCode: number; error?: string }>;
  /** Puts the stopped container's writable layer into `dir`: moved, or copied when the container stays. */
  exportLayer(id: string, dir: string, move: boolean): Promise<void>;
  remove(id: string): Promise<void>;
}

/** The stream a build writes: Docker's classic builder output. */
export interface BuildSink {
  /** A `{"stream": …}` message. */
  stream(text: string): void;
  /** A `{"aux": …}` message. */
  aux(value: unknown): void;
  /** Pull and download progress. */
  progress(e: ProgressEvent): void;
}
