import { thaw } from '../base/record-table.js';
import type { Readable, Writable } from 'node:stream';
import { decompressor, detectCompression, peek } from '../base/compression.js';
import { shortId, type Digest } from '../base/digest.js';
import { invalidArgument, withContext } from '../base/errors.js';
import type { ProgressSink } from '../base/progress.js';
import { readArchive } from './archive-load.js';
import { hostArch, imagesInArchive, type ArchiveImage } from './archive-images.js';
import { applyChanges } from './changes.js';
import type { ImageService, ImageServiceDeps } from './image-service.js';
import { unpackLayer, type LayerExtractor } from './layer-unpack.js';
import { familiarString, fullString, normalize, parseReference } from './reference.js';
import { MEDIA, type ContainerConfigJson, type ImageConfigJson, type ImageRecord, type LayerRef } from './types.js';
import { planSaveArchive, writeSaveArchive } from './archive-save.js';

export interface ImportOptions {
  /** Full or familiar reference to tag the new image with. */
  tag?: string;
  changes: string[];
  message: string;
  /** What Docker writes into the history comment: "-" for stdin, else the URL. */
  source: string;
  platform?: { os?: string; architecture?: string };
  signal?: AbortSignal;
  progress: ProgressSink;
}

export interface CommitOptions {
  /** The image the container runs, whose layers the new image extends. */
  parent: Digest;
  /** The container's config, with `--change` already applied. */
  config: ContainerConfigJson;
  tag?: string | undefined;
  comment: string;
  author: string;
  containerId: string;
  /**
   * The container's own config when committed, kept as the image config's `container_config`
   * (moby's V1Image field, which image inspect shows as `ContainerConfig` before API 1.45).
   */
  containerConfig: ContainerConfigJson;
  /** Docker's history `created_by`: the container's command. */
  createdBy: string;
  signal?: AbortSignal | undefined;
}

/** The diff ID of an empty layer (a tar of nothing: two zero blocks). */
const EMPTY_LAYER = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

/** `docker load`, `save` and `import`: images in and out of tar archives. */
export class ImageArchives {
  constructor(
    private readonly deps: ImageServiceDeps & { extractor: LayerExtractor },
    private readonly images: ImageService,
  ) {}

  /** Loads every image of an archive; returns Docker's "Loaded image…" lines. */
  async load(input: Readable, progress: ProgressSink, signal?: AbortSignal): Promise<string[]> {
    const started = Date.now();
    return this.images.gcLock.shared(async () => {
      const archive = await readArchive(this.deps, input, progress, signal);
      const read = Date.now();
      const found = imagesInArchive(archive);
      if (found.length === 0) throw invalidArgument('invalid archive: no images found');
      const lines: string[] = [];
      for (const img of found) lines.push(...(await this.commitLoaded(img, archive.unpacked, signal)));
      this.deps.log.debug('load timing', { readMs: read - started, commitMs: Date.now() - read });
      return lines;
    }).finally(async () => {
      // Whatever a failed load wrote, and layers unpacked for entries that turned out not to be
      // layers, are garbage now: collect before answering so the reply means a clean store.
      await this.images.gc().catch((err: unknown) => this.deps.log.warn('gc after load failed', { err }));
    });
  }

  private async commitLoaded(
    img: ArchiveImage,
    unpacked: Map<Digest, { diffId: Digest; diffSize: number; snapshot: { size: number; splitPath?: string } }>,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const configBytes = await this.deps.content.read(img.config);
    const config = parseConfig(configBytes);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== img.layers.length) {
      throw invalidArgument(`invalid archive: image ${shortId(img.config)} has ${img.layers.length} layers but its config lists ${diffIds.length}`);
    }
    const layers: LayerRef[] = [];
    for (const [i, l] of img.layers.entries()) {
      const expected = diffIds[i]!;
      let u = unpacked.get(l.blob);
      if (u && u.diffId === expected && u.snapshot.splitPath) {
        // Unpacked with a tar split while streaming in: no blob is kept.
        layers.push({ diffId: expected, blob: expected, mediaType: l.mediaType, blobSize: u.diffSize, diffSize: u.diffSize, unpackedSize: u.snapshot.size, storage: 'split' });
        continue;
      }
      const blobSize = (await this.deps.content.info(l.blob)).size;
      if (!u || u.diffId !== expected) {
        const existing = l.blob === expected ? await this.deps.snapshots.get(expected) : undefined;
        u = existing
          ? { diffId: expected, diffSize: blobSize, snapshot: existing }
          : await unpackLayer(this.deps.snapshots, this.deps.extractor, { path: this.deps.content.pathOf(l.blob) }, {
              expectedDiffId: expected,
              // The content store verified the blob's digest: for a plain tar that is its diff ID.
              inputDigest: () => Promise.resolve(l.blob),
              ...(signal ? { signal } : {}),
            }).catch((err: unknown) => {
              throw withContext(err, `invalid archive: layer ${i + 1} of image ${shortId(img.config)}`);
            });
        unpacked.set(l.blob, u);
      }
      layers.push({ diffId: expected, blob: l.blob, mediaType: l.mediaType, blobSize, diffSize: u.diffSize, unpackedSize: u.snapshot.size, storage: 'blob' });
    }
    const record: ImageRecord = {
      schemaVersion: 1,
      id: img.config,
      configMediaType: MEDIA.ociConfig,
      configSize: configBytes.length,
      layers,
      manifests: thaw<ImageRecord['manifests']>(this.deps.records.get(img.config)?.manifests ?? []),
      addedAt: new Date().toISOString(),
    };
    await this.deps.records.put(record);
    const lines: string[] = [];
    const refs = img.names.map((n) => normalize(parseReference(n)));
    const displaced = await this.deps.records.setRefs(img.config, refs.map(fullString));
    for (const { ref, old } of displaced) {
      lines.push(`The image ${familiarString(parseReference(ref))} already exists, renaming the old one with ID ${old} to empty string`);
    }
    for (const r of refs) lines.push(`Loaded image: ${familiarString(r)}`);
    if (refs.length === 0) lines.push(`Loaded image ID: ${img.config}`);
    this.deps.emit({ action: 'load', id: img.config, ...(refs[0] ? { name: familiarString(refs[0]) } : {}) });
    return lines;
  }

  /**
   * Writes the images named (all tags of a repository when no tag is given) as one archive.
   * `start` receives the archive's exact size before the first byte is written.
   */
  async save(names: string[], out: Writable, start: (size: number) => void | Promise<void>, signal?: AbortSignal): Promise<void> {
    if (names.length === 0) throw invalidArgument('no image names given to save');
    const selected = new Map<Digest, string[]>();
    for (const name of names) {
      const img = await this.images.resolve(name);
      const tags = selected.get(img.id) ?? [];
      selected.set(img.id, tags);
      let ref;
      try {
        ref = parseReference(name);
      } catch {
        continue;
      }
      if (this.deps.records.lookupRef(fullString(normalize(ref))) !== img.id) continue;
      if (ref.tag === undefined && ref.digest === undefined) {
        for (const r of this.deps.records.refsOf(img.id).map((x) => parseReference(x))) {
          if (r.name === ref.name && r.tag !== undefined) tags.push(fullString(r));
        }
      } else if (ref.tag !== undefined) tags.push(fullString(normalize(ref)));
    }
    await this.images.gcLock.shared(async () => {
      const images = await Promise.all([...selected.keys()].map((id) => this.images.image(id)));
      const plan = await planSaveArchive(this.deps.content, images.map((img) => ({ img, refs: [...new Set(selected.get(img.id))] })));
      await start(plan.size);
      await writeSaveArchive(this.deps.content, this.deps.snapshots, plan, out, signal);
    });
    for (const id of selected.keys()) this.deps.emit({ action: 'save', id });
  }

  /** `docker import`: one tar (plain or compressed) becomes a single-layer image. */
  async import(input: Readable, opts: ImportOptions): Promise<Digest> {
    const ref = opts.tag ? normalize(parseReference(opts.tag)) : undefined;
    if (ref?.digest) throw invalidArgument('cannot import with a digest reference');
    const baseConfig = applyChanges({}, opts.changes);
    const id = await this.images.gcLock.shared(async () => {
      const { head, stream } = await peek(input, 512);
      if (head.length === 0) throw invalidArgument('import: empty input');
      const plain = stream.pipe(decompressor(detectCompression(head)));
      stream.on('error', (e) => plain.destroy(e));
      // The layer is the uncompressed tar: unpacked with a tar split, hashed in the same pass.
      const layer = await unpackLayer(this.deps.snapshots, this.deps.extractor, plain, {
        split: true,
        onProgress: (n) => opts.progress({ status: 'Importing', current: n }),
        ...(opts.signal ? { signal: opts.signal } : {}),
      }).catch((err: unknown) => {
        throw withContext(err, 'import');
      });
      const now = new Date().toISOString();
      const config: ImageConfigJson = {
        architecture: opts.platform?.architecture || hostArch(),
        config: baseConfig,
        created: now,
        history: [{ created: now, comment: opts.message || `Imported from ${opts.source}` }],
        os: opts.platform?.os || 'linux',
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      };
      const configBytes = Buffer.from(JSON.stringify(config));
      const cfg = await this.deps.content.put(configBytes);
      await this.deps.records.put({
        schemaVersion: 1,
        id: cfg.digest,
        configMediaType: MEDIA.ociConfig,
        configSize: cfg.size,
        layers: [{ diffId: layer.diffId, blob: layer.diffId, mediaType: MEDIA.ociLayer, blobSize: layer.diffSize, diffSize: layer.diffSize, unpackedSize: layer.snapshot.size, storage: 'split' }],
        manifests: [],
        addedAt: now,
      });
      if (ref) await this.deps.records.setRefs(cfg.digest, [fullString(ref)]);
      return cfg.digest;
    });
    this.deps.emit({ action: 'import', id, ...(ref ? { name: familiarString(ref) } : {}) });
    return id;
  }

  /** `docker commit`: a container's writable layer (as a tar) on top of its image's layers. */
  async commit(layerTar: Readable, opts: CommitOptions): Promise<Digest> {
    const ref = opts.tag ? normalize(parseReference(opts.tag)) : undefined;
    if (ref?.digest) throw invalidArgument('cannot commit with a digest reference');
    const id = await this.images.gcLock.shared(async () => {
      const parent = await this.images.image(opts.parent);
      const layer = await unpackLayer(this.deps.snapshots, this.deps.extractor, layerTar, { split: true, ...(opts.signal ? { signal: opts.signal } : {}) }).catch((err: unknown) => {
        throw withContext(err, 'commit');
      });
      const empty = layer.diffId === EMPTY_LAYER;
      const now = new Date().toISOString();
      const config: ImageConfigJson = {
        ...parent.config,
        config: opts.config,
        container: opts.containerId,
        container_config: opts.containerConfig,
        created: now,
        ...(opts.author ? { author: opts.author } : {}),
        history: [
          ...(parent.config.history ?? []),
          { created: now, created_by: opts.createdBy, ...(opts.author ? { author: opts.author } : {}), ...(opts.comment ? { comment: opts.comment } : {}), ...(empty ? { empty_layer: true } : {}) },
        ],
        rootfs: { type: 'layers', diff_ids: [...parent.config.rootfs.diff_ids, ...(empty ? [] : [layer.diffId])] },
      };
      const cfg = await this.deps.content.put(Buffer.from(JSON.stringify(config)));
      const layers = [...parent.record.layers];
      if (!empty) layers.push({ diffId: layer.diffId, blob: layer.diffId, mediaType: MEDIA.ociLayer, blobSize: layer.diffSize, diffSize: layer.diffSize, unpackedSize: layer.snapshot.size, storage: 'split' });
      // The image it extends is its local parent, as moby's commit records it (inspect's Parent).
      await this.deps.records.put({ schemaVersion: 1, id: cfg.digest, configMediaType: MEDIA.ociConfig, configSize: cfg.size, layers, manifests: [], addedAt: now, parent: parent.id });
      if (ref) await this.deps.records.setRefs(cfg.digest, [fullString(ref)]);
      return cfg.digest;
    });
    return id;
  }
}

function parseConfig(bytes: Buffer): ImageConfigJson {
  let config: ImageConfigJson;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfigJson;
  } catch (err) {
    throw invalidArgument('invalid archive: image config is not valid JSON', err);
  }
  if (!config?.rootfs || !Array.isArray(config.rootfs.diff_ids)) throw invalidArgument('invalid archive: image config has no rootfs.diff_ids');
  return config;
}

