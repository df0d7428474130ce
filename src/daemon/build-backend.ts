/**
 * The builder's view of the engine: its image store (images/ + the build-step commits) and its
 * step runner (containers/), as the narrow interfaces build/ declares.
 */
import type { Digest } from '../base/digest.js';
import { BerthError, invalidArgument } from '../base/errors.js';
import type { BuildImage, BuildImages, StepContainerSpec, StepRunner } from '../build/index.js';
import type { ContainerConfig, ContainerService, HostConfig, MountSpec } from '../containers/index.js';
import { familiarString, formatPlatform, fullString, normalize, parseReference, type ContainerConfigJson, type Image, type ImageBuilds, type ImagePuller as ImagePullerService, type ImageService } from '../images/index.js';
import { authForHost, authFromJson } from '../api/index.js';

/** Pulls a base image the build lacks (FROM, COPY --from, RUN --mount from=) and returns it. */
export type ImagePuller = (ref: string, opts: Parameters<BuildImages['pull']>[1]) => Promise<Image>;

/**
 * The daemon's puller as the builder calls it: credentials picked from the build's
 * X-Registry-Config by the image's registry (moby's ResolveAuthConfig), Docker's progress lines.
 */
export function buildPuller(images: ImageService, puller: ImagePullerService): ImagePuller {
  return async (ref, opts) => {
    const parsed = normalize(parseReference(ref));
    const configs = new Map(Object.entries(opts.auth).map(([host, doc]) => [host, authFromJson(doc)]));
    const auth = authForHost(configs, parsed.domain);
    const platform = opts.platform ? formatPlatform(opts.platform) : undefined;
    await puller.pull(parsed, { platform, auth, progress: opts.progress, signal: opts.signal });
    return images.resolve(fullString(parsed));
  };
}

function toBuild(img: Image): BuildImage {
  return { id: img.id, doc: img.config as BuildImage['doc'], ...(img.record.parent ? { parent: img.record.parent } : {}) };
}

export function buildImages(images: ImageService, builds: ImageBuilds, puller?: ImagePuller): BuildImages {
  return {
    find: async (ref) => {
      try {
        return toBuild(await images.resolve(ref));
      } catch (err) {
        if (err instanceof BerthError && err.kind === 'NotFound') return undefined;
        throw err;
      }
    },
    get: async (id) => toBuild(await images.image(id as Digest)),
    pull: async (ref, opts) => {
      if (puller) return toBuild(await puller(ref, opts));
      const name = familiarString({ ...normalize(parseReference(ref)), tag: undefined, digest: undefined });
      throw new BerthError('NotFound', `pull access denied for ${name}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`);
    },
    children: async (id) => Promise.all(images.children(id as Digest | '').map(async (c) => toBuild(await images.image(c)))),
    hasAncestor: (child, ancestor) => Promise.resolve(images.hasAncestor(child as Digest, ancestor as Digest)),
    layerDirs: async (img) => images.layerDirs(await images.image(img.id as Digest)),
    commit: async (step) =>
      toBuild(
        await builds.commitStep({
          parent: step.parent?.id as Digest | undefined,
          platform: step.platform,
          config: step.config as ContainerConfigJson,
          containerConfig: step.containerConfig as ContainerConfigJson,
          author: step.author,
          ...(step.containerId ? { containerId: step.containerId } : {}),
          ...(step.layer ? { layer: step.layer } : {}),
        }),
      ),
    restore: async (parent, source, index, config) => toBuild(await builds.restore(parent?.id as Digest | undefined, source.id as Digest, index, config as ContainerConfigJson)),
    checkTags: (refs) => {
      const out: string[] = [];
      for (const r of refs) {
        if (r === '') continue;
        const parsed = parseReference(r);
        if (parsed.digest !== undefined) throw invalidArgument('build tag cannot contain a digest');
        const full = fullString(normalize(parsed));
        if (!out.includes(full)) out.push(full);
      }
      return out;
    },
    tag: async (id, full) => {
      const ref = parseReference(full);
      await images.tag(id, ref.name, ref.tag);
      return familiarString(ref);
    },
  };
}

/**
 * RUN steps as containers: created marked as build steps, attached before they start. A removal
 * waits for a start under way (a cancelled build can stop a step while it starts), then kills.
 */
export function stepRunner(containers: ContainerService): StepRunner {
  const starting = new Map<string, Promise<unknown>>();
  const remove = async (id: string): Promise<void> => {
    await starting.get(id)?.catch(() => undefined);
    await containers.remove(id, { force: true, volumes: true });
  };
  const start = (id: string): Promise<void> => {
    const p = containers.start(id);
    starting.set(id, p);
    void p.catch(() => undefined).then(() => starting.delete(id));
    return p;
  };
  return {
    create: async (spec) => containers.create({ config: containerConfig(spec), hostConfig: hostConfig(spec), buildStep: true }),
    run: (id, out, signal) => runContainer(containers, id, out, signal, start, remove),
    exportLayer: (id, dir, move) => containers.exportWritableLayer(id, dir, move),
    remove,
  };
}

async function runContainer(
  containers: ContainerService,
  id: string,
  out: Parameters<StepRunner['run']>[1],
  signal: AbortSignal,
  start: (id: string) => Promise<void>,
  remove: (id: string) => Promise<void>,
): Promise<{ exitCode: number; error?: string }> {
  signal.throwIfAborted();
  let detach = (): void => {};
  const streamsClosed = new Promise<void>((resolve) => {
    detach = containers.attach(id, (stream, data) => (stream === 'stdout' ? out.stdout(data) : out.stderr(data)), resolve);
  });
  const exited = containers.waitFor(id, 'next-exit');
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      // The step stops at once: its container goes, whatever it was doing.
      void remove(id).catch(() => undefined);
      reject(signal.reason instanceof Error ? signal.reason : new BerthError('Unavailable', 'Build cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    await Promise.race([start(id), aborted]);
    const result = await Promise.race([exited, aborted]);
    // The last output may still be on its way from conmon's socket.
    await Promise.race([streamsClosed, new Promise((r) => setTimeout(r, 2000).unref())]);
    return { exitCode: result.statusCode, ...(result.error ? { error: result.error } : {}) };
  } finally {
    signal.removeEventListener('abort', onAbort);
    detach();
  }
}

function containerConfig(spec: StepContainerSpec): ContainerConfig {
  const c = spec.config;
  const h = c.Healthcheck;
  return {
    hostname: '',
    domainname: '',
    user: c.User ?? '',
    attachStdin: false,
    attachStdout: true,
    attachStderr: true,
    tty: false,
    openStdin: false,
    stdinOnce: false,
    env: [...(c.Env ?? [])],
    cmd: c.Cmd ? [...c.Cmd] : null,
    entrypoint: c.Entrypoint ? [...c.Entrypoint] : null,
    image: spec.imageId,
    workingDir: c.WorkingDir ?? '',
    labels: { ...(c.Labels ?? {}) },
    stopSignal: c.StopSignal || undefined,
    stopTimeout: c.StopTimeout ?? undefined,
    exposedPorts: {},
    volumes: {},
    onBuild: null,
    healthcheck: h ? { test: [...(h.Test ?? [])], interval: h.Interval ?? 0, timeout: h.Timeout ?? 0, startPeriod: h.StartPeriod ?? 0, startInterval: h.StartInterval ?? 0, retries: h.Retries ?? 0 } : undefined,
  };
}

function hostConfig(spec: StepContainerSpec): HostConfig {
  const o = spec.host;
  const mounts: MountSpec[] = spec.mounts.map((m) =>
    m.type === 'bind'
      ? { type: 'bind', source: m.source, target: m.target, readOnly: m.readOnly, consistency: '', bindOptions: { propagation: '', nonRecursive: false, createMountpoint: false } }
      : { type: 'tmpfs', source: '', target: m.target, readOnly: false, consistency: '', tmpfsOptions: { sizeBytes: m.sizeBytes, mode: 0 } },
  );
  return {
    autoRemove: false,
    networkMode: o.networkMode === '' || o.networkMode === 'default' ? 'default' : o.networkMode,
    restartPolicy: { name: '', maximumRetryCount: 0 },
    runtime: '',
    init: false,
    privileged: false,
    readonlyRootfs: false,
    capAdd: [],
    capDrop: [],
    securityOpt: [],
    groupAdd: [],
    ipcMode: '',
    pidMode: '',
    utsMode: '',
    shmSize: o.shmSize,
    memory: o.memory,
    memorySwap: o.memorySwap,
    memoryReservation: 0,
    memorySwappiness: null,
    oomKillDisable: false,
    nanoCpus: 0,
    cpuShares: o.cpuShares,
    cpuPeriod: o.cpuPeriod,
    cpuQuota: o.cpuQuota,
    cpusetCpus: o.cpusetCpus,
    cpusetMems: o.cpusetMems,
    pidsLimit: 0,
    blkioWeight: 0,
    ulimits: o.ulimits.map((u) => ({ ...u })),
    devices: [],
    consoleSize: [0, 0],
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    extraHosts: [...o.extraHosts],
    sysctls: {},
    logConfig: { type: '', config: {} },
    binds: [],
    mounts,
    tmpfs: {},
    volumesFrom: [],
    volumeDriver: '',
    portBindings: {},
    publishAllPorts: false,
  };
}
