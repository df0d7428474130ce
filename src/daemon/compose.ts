import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { ContainerService, ContainerStore, type ContainerImages } from '../containers/index.js';
import { ConmonShim, type RuntimeBinary } from '../runtime/index.js';
import { BerthError } from '../base/errors.js';
import type { Digest } from '../base/digest.js';
import { readFile } from 'node:fs/promises';
import { randomBytes } from '../base/crypto.js';
import type { EngineServices } from '../api/index.js';
import { atomicWriteFile, ensureDir } from '../base/fs.js';
import { TarExtractor } from '../base/tar/index.js';
import type { Logger } from '../base/log.js';
import { FsContentStore } from '../content/index.js';
import { EventBus } from '../events/index.js';
import { Builder, CacheMounts } from '../build/index.js';
import { buildImages, buildPuller, stepRunner } from './build-backend.js';
import { ImageArchives, ImageBuilds, ImagePuller, ImagePusher, ImageRecordStore, ImageService, RemoteBlobIndex, type ImageEvent } from '../images/index.js';
import { RegistryClient, type RegistrySettings } from '../distribution/index.js';
import { OverlaySnapshotter } from '../snapshots/index.js';
import { VolumeService, VolumeStore } from '../volumes/index.js';
import { NetnsDir, NetworkService, NetworkStore } from '../network/index.js';
import type { DaemonConfig } from './config.js';
import { BERTH_VERSION, findBinary, HostSystemService } from './system-info.js';

export interface Engine {
  services: EngineServices;
  shutdown(): Promise<void>;
}

/** The composition root: the only place that constructs implementations and wires them. */
export async function composeEngine(getConfig: () => DaemonConfig, log: Logger): Promise<Engine> {
  const cfg = getConfig();
  const root = cfg.dataRoot;
  await ensureDir(root, 0o711);
  const content = new FsContentStore(join(root, 'content'));
  await content.init();
  const snapshots = new OverlaySnapshotter(join(root, 'snapshots'));
  await snapshots.init();
  const records = new ImageRecordStore(join(root, 'images'));
  await records.init();
  const events = new EventBus();

  const remoteBlobs = new RemoteBlobIndex(join(root, 'images'));
  await remoteBlobs.init();
  const imageDeps = {
    content,
    snapshots,
    records,
    log,
    afterGc: (live: Set<string>) => remoteBlobs.retain(live),
    // Docker's image events: the actor is the image ID, the reference goes in `name`.
    emit: (e: ImageEvent) => events.publish('image', e.action, e.id, e.name ? { name: e.name } : {}),
  };
  const images = new ImageService(imageDeps);
  const recovered = await images.recover();
  if (recovered.blobsRemoved || recovered.layersRemoved) log.info('removed leftovers of interrupted operations', { ...recovered });
  const extractor = new TarExtractor();
  const archives = new ImageArchives({ ...imageDeps, extractor }, images);
  const registry = new RegistryClient({ userAgent: `berth/${BERTH_VERSION} (linux)`, settings: registrySettings(getConfig), log });
  const distributionDeps = { ...imageDeps, extractor, remote: registry, remoteBlobs };
  const puller = new ImagePuller(distributionDeps, images);
  const pusher = new ImagePusher(distributionDeps, images, () => getConfig().pushCompression);

  const volumeStore = new VolumeStore(join(root, 'volumes'));
  await volumeStore.init();
  const volumes = new VolumeService({ store: volumeStore, publish: (action, name, attrs) => events.publish('volume', action, name, attrs), log });

  const id = await engineId(root);
  const networkStore = new NetworkStore(join(root, 'networks'));
  await networkStore.init();
  const networks = new NetworkService({
    store: networkStore,
    netns: new NetnsDir(join(cfg.execRoot, 'netns')),
    ipamDir: join(cfg.execRoot, 'cni', 'ipam'),
    publish: (action, id, attrs) => events.publish('network', action, id, attrs),
    log,
    defaultBridge: cfg.bridge,
    bip: cfg.bip,
    upstreams: () => getConfig().dns,
    engineId: id,
  });
  await networks.init();

  const containerStore = new ContainerStore(join(root, 'containers'));
  await containerStore.init();
  const containers = new ContainerService({
    store: containerStore,
    images: containerImages(images, archives, snapshots),
    execRoot: cfg.execRoot,
    shim: new ConmonShim(cfg.execRoot),
    runtimes: () => runtimeBinaries(getConfig().execRoot),
    defaultRuntime: () => getConfig().defaultRuntime,
    publish: (action, id, attrs) => events.publish('container', action, id, attrs),
    log,
    layerDir: (diffId) => snapshots.layerDir(diffId as Digest),
    volumes,
    networks,
    hostGateway: () => networks.find('bridge').ipam.config[0]?.gateway ?? '',
    defaultDns: () => getConfig().dns,
    logDefaults: () => ({ type: getConfig().logDriver, config: getConfig().logOpts }),
  });
  images.setUsage({ containersUsing: (id) => containers.usingImage(id), layersInUse: () => containers.layersInUse() });
  await containers.init();
  await volumes.init(
    containers
      .list()
      .filter((c) => c.state.status === 'running' || c.state.status === 'paused')
      .flatMap((c) => (c.mounts ?? []).filter((m) => m.type === 'volume').map((m) => ({ container: c.id, volume: m.name }))),
  );

  const builder = new Builder({
    images: buildImages(images, new ImageBuilds(imageDeps, images), buildPuller(images, puller)),
    runner: stepRunner(containers),
    cacheMounts: new CacheMounts(join(root, 'builder', 'cache-mounts')),
    scratchRoot: join(root, 'builder', 'tmp'),
    extractor,
    log,
  });
  await builder.init();
  // A build that died with the daemon left its step's container: nobody will finish that step.
  for (const c of containers.list().filter((x) => x.buildStep)) {
    await containers.remove(c.id, { force: true, volumes: true }).catch((err: unknown) => log.warn('removing a dead build\'s container failed', { id: c.id, err }));
  }

  const system = new HostSystemService({
    engineId: id,
    imageCount: () => records.all().length,
    containerCounts: () => containers.counts(),
    config: getConfig,
  });
  return {
    services: { system, images, archives, puller, pusher, registry, events, containers, volumes, networks, builder },
    shutdown: async () => {
      containers.close();
      registry.close();
      await networks.close();
      await extractor.close();
    },
  };
}

/** daemon.json's registry settings; the same object until a reload changes the config. */
function registrySettings(getConfig: () => DaemonConfig): () => RegistrySettings {
  let last: { cfg: DaemonConfig; settings: RegistrySettings } | undefined;
  return () => {
    const cfg = getConfig();
    if (last?.cfg !== cfg) last = { cfg, settings: { insecureRegistries: cfg.insecureRegistries, mirrors: cfg.registryMirrors } };
    return last.settings;
  };
}

/** The OCI runtimes on this host, each with its own state root under the exec root. */
function runtimeBinaries(execRoot: string): Record<string, RuntimeBinary> {
  const out: Record<string, RuntimeBinary> = {};
  for (const name of ['runc', 'crun']) {
    const path = findBinary(name);
    if (path) out[name] = { name, path, root: join(execRoot, 'runtime', name) };
  }
  return out;
}

/** What containers need of images: resolution, configs and the layers' directories. */
function containerImages(images: ImageService, archives: ImageArchives, snapshots: OverlaySnapshotter): ContainerImages {
  return {
    resolve: async (ref) => {
      const img = await images.resolve(ref);
      return { id: img.id, layers: img.record.layers.map((l) => l.diffId), config: img.config.config ?? {} };
    },
    commit: (layer, opts) => archives.commit(layer, opts),
    imageContainerConfig: async (id) => (await images.image(id)).config.config ?? {},
    imageConfig: async (id) => {
      const img = await images.image(id as Digest);
      const c = img.config.config ?? {};
      return { env: c.Env ?? [], user: c.User ?? '', workingDir: c.WorkingDir ?? '' };
    },
    layerDirs: async (layers) =>
      Promise.all(
        layers.map(async (diffId) => {
          const snap = await snapshots.get(diffId as Digest);
          if (!snap) throw new BerthError('NotFound', `layer ${diffId} is missing from the store`);
          return snap.dir;
        }),
      ),
  };
}

/** A stable identity for this engine, kept in the data root (`docker info` ID). */
async function engineId(root: string): Promise<string> {
  const path = join(root, 'engine-id');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const id = randomBytes(16).toString('hex').replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
    await atomicWriteFile(path, id + '\n');
    return id;
  }
}
