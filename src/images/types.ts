import type { Digest } from '../base/digest.js';
import type { DeepReadonly } from '../base/record-table.js';

/** The OCI/Docker image config JSON, as far as berth reads it. Stored bytes stay untouched. */
export interface ImageConfigJson {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  comment?: string;
  docker_version?: string;
  parent?: string;
  config?: ContainerConfigJson;
  rootfs: { type: string; diff_ids: Digest[] };
  history?: HistoryEntryJson[];
  [key: string]: unknown;
}

export interface ContainerConfigJson {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  OnBuild?: string[] | null;
  Shell?: string[];
  Healthcheck?: unknown;
  ArgsEscaped?: boolean;
  [key: string]: unknown;
}

export interface HistoryEntryJson {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** A layer of an image: its diff ID and the blob that holds it in the content store. */
export interface LayerRef {
  diffId: Digest;
  blob: Digest;
  mediaType: string;
  /** Size of the blob (what push transfers). */
  blobSize: number;
  /** Size of the uncompressed tar (what save writes). */
  diffSize: number;
  /** Bytes of file content once unpacked (Docker's layer size). */
  unpackedSize: number;
  /**
   * Where the layer's tar comes from for save/push: `blob` in the content store, or `split`: the
   * snapshot's files plus its tar split (no second copy of the layer). Absent means `blob`.
   */
  storage?: 'blob' | 'split';
}

/** A manifest stored for an image (pulled or built for save/push); gives RepoDigests. */
export interface ManifestRef {
  digest: Digest;
  mediaType: string;
  size: number;
}

/** What berth persists per image, one JSON file each, keyed by image ID (config digest). */
export interface ImageRecord {
  schemaVersion: 1;
  id: Digest;
  configMediaType: string;
  configSize: number;
  layers: LayerRef[];
  manifests: ManifestRef[];
  /** Local parent image (commit/build), as Docker's legacy "Parent". */
  parent?: Digest;
  /** Made by a build step here: a candidate for the classic builder's cache (moby's builtLocally). */
  builtLocally?: boolean;
  addedAt: string;
}

/** An image as the service returns it: record + parsed config + references. */
export interface Image {
  id: Digest;
  record: DeepReadonly<ImageRecord>;
  config: ImageConfigJson;
  /** Familiar "name:tag" strings, e.g. "busybox:latest". */
  repoTags: string[];
  /** Familiar "name@sha256:…" strings. */
  repoDigests: string[];
  /** Sum of the layers' unpacked sizes. */
  size: number;
  lastTagTime?: string;
}

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
} as const;
