/**
 * The classic builder's cache (moby's builder/dockerfile/imageprobe.go and image/cache): a step
 * is reused when a locally built child of the current image was made with the same config, or,
 * with `--cache-from`, when a source image's history continues the current image with the same
 * command. The first miss turns the cache off until the next FROM.
 */
import { isDeepStrictEqual } from 'node:util';
import { sameStepConfig } from './run-config.js';
import type { BuildImage, BuildImages, Platform, RunConfig } from './types.js';

export class CacheProber {
  private busted = false;
  private sources: BuildImage[];

  /**
   * `cacheFrom` undefined: no `--cache-from` (local cache only); a list, maybe empty: moby's
   * ImageCache, where a local hit counts only if it is an ancestor of a source.
   */
  constructor(
    private readonly images: BuildImages,
    private readonly enabled: boolean,
    private readonly cacheFrom: readonly BuildImage[] | undefined,
  ) {
    this.sources = [...(cacheFrom ?? [])];
  }

  /** A new stage: the cache is on again (moby makes a new ImageCache at each FROM). */
  reset(): void {
    this.busted = false;
    this.sources = [...(this.cacheFrom ?? [])];
  }

  /** The cached image for this step, or undefined (and the cache is off from here on). */
  async probe(parentId: string, config: RunConfig, platform: Platform): Promise<string | undefined> {
    if (!this.enabled || this.busted) return undefined;
    const hit = await this.lookup(parentId, config, platform);
    if (hit === undefined) this.busted = true;
    return hit;
  }

  private async lookup(parentId: string, config: RunConfig, platform: Platform): Promise<string | undefined> {
    const local = await this.localHit(parentId, config, platform);
    if (this.cacheFrom === undefined) return local;
    if (local !== undefined) {
      for (const s of this.sources) if (await this.images.hasAncestor(s.id, local)) return local;
    }
    const parent = parentId === '' ? undefined : await this.images.get(parentId);
    const index = parent?.doc.history?.length ?? 0;
    for (const target of this.sources) {
      const h = target.doc.history?.[index];
      if (h === undefined || !validParent(target, parent) || (config.Cmd ?? []).join(' ') !== (h.created_by ?? '')) continue;
      const restored = await this.images.restore(parent, target, index, config);
      // moby: stick to this source from here on.
      this.sources = [target];
      return restored.id;
    }
    return undefined;
  }

  /** moby's getLocalCachedImage: the newest locally built child with the same step config. */
  private async localHit(parentId: string, config: RunConfig, platform: Platform): Promise<string | undefined> {
    let match: BuildImage | undefined;
    for (const child of await this.images.children(parentId)) {
      const doc = child.doc;
      if (!doc.os && !doc.architecture) continue;
      if (!samePlatform(platform, doc)) continue;
      if (doc.container_config === undefined || !sameStepConfig(doc.container_config, config)) continue;
      if (match === undefined || (doc.created ?? '') > (match.doc.created ?? '')) match = child;
    }
    return match?.id;
  }
}

function samePlatform(p: Platform, doc: BuildImage['doc']): boolean {
  if ((doc.os ?? '') !== p.os || (doc.architecture ?? '') !== p.architecture) return false;
  return !doc.variant || !p.variant || doc.variant === p.variant;
}

/** moby's isValidParent: `img`'s history and layers start with all of `parent`'s. */
function validParent(img: BuildImage, parent: BuildImage | undefined): boolean {
  const history = img.doc.history ?? [];
  if (history.length === 0) return false;
  if (parent === undefined) return true;
  const ph = parent.doc.history ?? [];
  const pd = parent.doc.rootfs.diff_ids;
  if (ph.length === 0 && pd.length === 0) return true;
  if (ph.length >= history.length || pd.length > img.doc.rootfs.diff_ids.length) return false;
  return ph.every((h, i) => isDeepStrictEqual(h, history[i])) && pd.every((d, i) => d === img.doc.rootfs.diff_ids[i]);
}
