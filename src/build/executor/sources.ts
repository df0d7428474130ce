/**
 * Images a build reads besides its stages: FROM bases, `COPY --from=<image>`, `RUN --mount
 * from=<image>`. Each is looked up locally (or pulled, when missing or with `pull`) once per
 * build, and mounted as a read-only view once, for the build's duration.
 */
import type { ProgressEvent } from '../../base/progress.js';
import { openImageView, viewPath, type ImageView } from './image-view.js';
import type { AuthConfigs, BuildImage, BuildImages, Platform } from './types.js';

export interface SourceImagesOptions {
  pull: boolean;
  auth: AuthConfigs;
  scratch: string;
  nextId: () => number;
  signal: AbortSignal;
}

export class SourceImages {
  private readonly byName = new Map<string, Promise<BuildImage>>();
  private readonly views = new Map<string, Promise<ImageView>>();

  constructor(
    private readonly images: BuildImages,
    private readonly opts: SourceImagesOptions,
  ) {}

  /** The image `ref` names: local unless `pull` was asked for or it is missing. */
  image(ref: string, platform: Platform | undefined, progress: (e: ProgressEvent) => void): Promise<BuildImage> {
    const key = `${ref}\0${platform ? `${platform.os}/${platform.architecture}` : ''}`;
    let found = this.byName.get(key);
    if (found === undefined) {
      found = this.resolve(ref, platform, progress);
      this.byName.set(key, found);
      // A failed lookup is not remembered: the error surfaces once, in the step that asked.
      found.catch(() => this.byName.delete(key));
    }
    return found;
  }

  private async resolve(ref: string, platform: Platform | undefined, progress: (e: ProgressEvent) => void): Promise<BuildImage> {
    if (!this.opts.pull) {
      const local = await this.images.find(ref);
      if (local !== undefined) return local;
    }
    return this.images.pull(ref, { ...(platform ? { platform } : {}), auth: this.opts.auth, progress, signal: this.opts.signal });
  }

  /** A read-only view of the image's files (an empty directory for scratch), open until closeAll(). */
  view(img: BuildImage | undefined): Promise<ImageView> {
    const key = img?.id ?? 'scratch';
    let v = this.views.get(key);
    if (v === undefined) {
      v = this.open(img);
      this.views.set(key, v);
    }
    return v;
  }

  private async open(img: BuildImage | undefined): Promise<ImageView> {
    const dirs = img === undefined ? [] : await this.images.layerDirs(img);
    return openImageView(dirs, viewPath(this.opts.scratch, this.opts.nextId()));
  }

  async closeAll(): Promise<void> {
    const views = [...this.views.values()];
    this.views.clear();
    for (const v of views) await (await v.catch(() => undefined))?.close();
  }
}
