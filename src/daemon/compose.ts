import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { EngineServices } from '../api/index.js';
import { atomicWriteFile, ensureDir } from '../base/fs.js';
import { TarExtractor } from '../base/tar/index.js';
import type { Logger } from '../base/log.js';
import { FsContentStore } from '../content/index.js';
import { EventBus } from '../events/index.js';
import { ImageArchives, ImageRecordStore, ImageService, type ImageEvent } from '../images/index.js';
import { OverlaySnapshotter } from '../snapshots/index.js';
import type { DaemonConfig } from './config.js';
import { HostSystemService } from './system-info.js';

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

  const imageDeps = {
    content,
    snapshots,
    records,
    log,
    // Docker's image events: the actor is the image ID, the reference goes in `name`.
    emit: (e: ImageEvent) => events.publish('image', e.action, e.id, e.name ? { name: e.name } : {}),
  };
  const images = new ImageService(imageDeps);
  const recovered = await images.recover();
  if (recovered.blobsRemoved || recovered.layersRemoved) log.info('removed leftovers of interrupted operations', { ...recovered });
  const extractor = new TarExtractor();
  const archives = new ImageArchives({ ...imageDeps, extractor }, images);

  const system = new HostSystemService({
    engineId: await engineId(root),
    imageCount: () => records.all().length,
    containerCounts: () => ({ total: 0, running: 0, paused: 0, stopped: 0 }),
    config: getConfig,
  });
  return {
    services: { system, images, archives, events },
    shutdown: async () => {
      await extractor.close();
    },
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
