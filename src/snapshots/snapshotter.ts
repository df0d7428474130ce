import type { Digest } from '../base/digest.js';

/** One unpacked layer, keyed by its diff ID (the sha256 of its uncompressed tar). */
export interface LayerSnapshot {
  diffId: Digest;
  /** Bytes of file content in the layer (Docker's layer "size"). */
  size: number;
  createdAt: string;
  /** The layer's directory, used as an overlay lowerdir. */
  dir: string;
  /** The tar split that rebuilds the layer's exact tar from `dir`, when one was recorded. */
  splitPath?: string;
}

/**
 * A layer being unpacked. Extract into `dir`, then `commit` it under its diff ID or `abort`.
 * Until committed it is invisible; staging left by a crash is removed by `sweepStaging()`.
 */
export interface LayerStaging {
  readonly dir: string;
  /** Where a tar split of this layer is to be written (optional). */
  readonly splitPath: string;
  commit(diffId: Digest, size: number): Promise<LayerSnapshot>;
  abort(): Promise<void>;
}

/**
 * Read-only layer snapshots shared by every image that uses them. A layer's content depends
 * only on its own tar (overlay whiteouts are relative), so snapshots are keyed by diff ID and an
 * image's rootfs is the ordered list of its layers' dirs.
 */
export interface Snapshotter {
  stage(): Promise<LayerStaging>;
  get(diffId: Digest): Promise<LayerSnapshot | undefined>;
  list(): Promise<LayerSnapshot[]>;
  remove(diffId: Digest): Promise<void>;
  sweepStaging(): Promise<number>;
}
