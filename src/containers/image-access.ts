/** What containers need of images: resolution, configs, layers, and making one by commit. */
import type { Readable } from 'node:stream';
import type { Digest } from '../base/digest.js';
import type { CommitOptions, ContainerConfigJson } from '../images/index.js';
import type { ImageLookup } from './lifecycle.js';

export interface ResolvedImage {
  id: Digest;
  layers: Digest[];
  config: { Entrypoint?: string[] | null; Cmd?: string[] | null; StopSignal?: string; Labels?: Record<string, string> | null; Volumes?: Record<string, object> | null; ExposedPorts?: Record<string, object>; Healthcheck?: unknown };
}

export interface ContainerImages extends ImageLookup {
  resolve(ref: string): Promise<ResolvedImage>;
  /** Makes an image of the parent's layers plus `layer` (a tar), with this config. */
  commit(layer: Readable, opts: CommitOptions): Promise<Digest>;
  /** The image's own container config (for the committed image's defaults). */
  imageContainerConfig(id: Digest): Promise<ContainerConfigJson>;
}

export interface CommitRequest {
  tag?: string | undefined;
  comment: string;
  author: string;
  pause: boolean;
  changes: string[];
}
