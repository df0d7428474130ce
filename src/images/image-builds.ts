/**
 * Images made by build steps (moby's CommitBuildStep/CreateImage and the cache's
 * restoreCachedImage): the parent's layers plus at most one new one, the step's config and its
 * `container_config`, a history entry, the local parent and the built-locally mark the builder's
 * cache looks for. A new layer is written into snapshot staging by the caller's function and
 * committed with its tar split: it is never stored twice.
 */
import type { Digest } from '../base/digest.js';
import { invalidArgument } from '../base/errors.js';
import { thaw } from '../base/record-table.js';
import type { ImageService, ImageServiceDeps } from './image-service.js';
import { MEDIA, type ContainerConfigJson, type HistoryEntryJson, type Image, type ImageConfigJson, type ImageRecord, type LayerRef } from './types.js';

/** The diff ID of an empty layer (a tar of nothing: two zero blocks). */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export interface WrittenLayerInfo {
  diffId: string;
  tarBytes: number;
  contentBytes: number;
}

export interface BuildStepOptions {
  parent: Digest | undefined;
  /** For an image without parent (FROM scratch). */
  platform: { os: string; architecture: string; variant?: string };
  config: ContainerConfigJson;
  containerConfig: ContainerConfigJson;
  containerId?: string;
  author: string;
  /** Writes the layer's files into `dir` and its tar split to `splitPath`. */
  layer?: (target: { dir: string; splitPath: string }) => Promise<WrittenLayerInfo>;
}

export class ImageBuilds {
  constructor(
    private readonly deps: ImageServiceDeps,
    private readonly images: ImageService,
  ) {}

  async commitStep(step: BuildStepOptions): Promise<Image> {
    return this.images.gcLock.shared(async () => {
      const parent = step.parent === undefined ? undefined : await this.images.image(step.parent);
      const layer = step.layer ? await this.writeLayer(step.layer) : undefined;
      const now = new Date().toISOString();
      const entry: HistoryEntryJson = { created: now, created_by: (step.containerConfig.Cmd ?? []).join(' '), ...(step.author ? { author: step.author } : {}), ...(layer ? {} : { empty_layer: true }) };
      const base = parent?.config;
      const doc: ImageConfigJson = {
        architecture: base?.architecture || step.platform.architecture,
        ...(step.author ? { author: step.author } : {}),
        config: step.config,
        ...(step.containerId ? { container: step.containerId } : {}),
        container_config: step.containerConfig,
        created: now,
        history: [...(base?.history ?? []), entry],
        os: base?.os || step.platform.os,
        rootfs: { type: 'layers', diff_ids: [...(base?.rootfs.diff_ids ?? []), ...(layer ? [layer.diffId] : [])] },
        ...((base?.variant ?? step.platform.variant) ? { variant: base?.variant ?? step.platform.variant } : {}),
      };
      const layers = [...thaw<LayerRef[]>(parent?.record.layers ?? []), ...(layer ? [layer] : [])];
      return this.store(doc, layers, parent?.id, true);
    });
  }

  /**
   * A `--cache-from` image's step on top of `parent` (moby's restoreCachedImage): the source's
   * history entry and layer at `index`, `config` as the image config. When the source ends there,
   * the source itself is adopted as the parent's child.
   */
  async restore(parent: Digest | undefined, source: Digest, index: number, config: ContainerConfigJson): Promise<Image> {
    return this.images.gcLock.shared(async () => {
      const src = await this.images.image(source);
      const history = src.config.history ?? [];
      if (index >= history.length) throw invalidArgument(`cache source ${source} has no history entry ${index}`);
      if (index === history.length - 1) {
        if (parent !== undefined) await this.images.setParent(source, parent);
        return this.images.image(source);
      }
      const p = parent === undefined ? undefined : await this.images.image(parent);
      const layerIndex = history.slice(0, index).filter((h) => !h.empty_layer).length;
      const layer = history[index]!.empty_layer ? undefined : src.record.layers[layerIndex];
      const entries = [...(p?.config.history ?? []), history[index]!];
      const doc: ImageConfigJson = {
        architecture: src.config.architecture ?? '',
        ...(src.config.author ? { author: src.config.author } : {}),
        config,
        created: entries.at(-1)?.created ?? new Date().toISOString(),
        history: entries,
        os: src.config.os ?? '',
        rootfs: { type: 'layers', diff_ids: [...(p?.config.rootfs.diff_ids ?? []), ...(layer ? [layer.diffId] : [])] },
      };
      return this.store(doc, [...thaw<LayerRef[]>(p?.record.layers ?? []), ...(layer ? [thaw<LayerRef>(layer)] : [])], parent, false);
    });
  }

  private async writeLayer(write: NonNullable<BuildStepOptions['layer']>): Promise<LayerRef | undefined> {
    const staging = await this.deps.snapshots.stage();
    try {
      const w = await write({ dir: staging.dir, splitPath: staging.splitPath });
      if (w.diffId === EMPTY_LAYER_DIFF_ID) {
        await staging.abort();
        return undefined;
      }
      const snap = await staging.commit(w.diffId as Digest, w.contentBytes);
      return { diffId: snap.diffId, blob: snap.diffId, mediaType: MEDIA.ociLayer, blobSize: w.tarBytes, diffSize: w.tarBytes, unpackedSize: snap.size, storage: 'split' };
    } catch (err) {
      await staging.abort();
      throw err;
    }
  }

  private async store(doc: ImageConfigJson, layers: LayerRef[], parent: Digest | undefined, builtLocally: boolean): Promise<Image> {
    const cfg = await this.deps.content.put(Buffer.from(JSON.stringify(doc)));
    const record: ImageRecord = {
      schemaVersion: 1,
      id: cfg.digest,
      configMediaType: MEDIA.ociConfig,
      configSize: cfg.size,
      layers,
      manifests: [],
      ...(parent !== undefined ? { parent } : {}),
      ...(builtLocally ? { builtLocally: true } : {}),
      addedAt: new Date().toISOString(),
    };
    await this.deps.records.put(record);
    return this.images.image(cfg.digest);
  }
}
