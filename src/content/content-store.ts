import type { Readable } from 'node:stream';
import type { Digest } from '../base/digest.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface IngestOptions {
  /** When given, the data must hash to this digest or nothing is committed. */
  expected?: Digest;
  expectedSize?: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
}

/**
 * Blobs addressed by sha256. A blob becomes visible only after its digest was verified and it
 * was renamed into place; an interrupted ingest leaves a temp file that `sweepIngests()` removes.
 * Blobs are immutable: writing an existing digest is a no-op.
 */
export interface ContentStore {
  ingest(input: Readable | AsyncIterable<Uint8Array>, opts?: IngestOptions): Promise<BlobInfo>;
  put(data: Uint8Array | string, expected?: Digest): Promise<BlobInfo>;
  has(digest: Digest): Promise<boolean>;
  /** NotFound when absent. */
  info(digest: Digest): Promise<BlobInfo>;
  read(digest: Digest): Promise<Buffer>;
  createReadStream(digest: Digest): Readable;
  /** The blob's file, for zero-copy readers; valid while the blob is not deleted. */
  pathOf(digest: Digest): string;
  delete(digest: Digest): Promise<void>;
  list(): Promise<BlobInfo[]>;
  /** Removes temp files of ingests that never finished (call at startup, before any ingest). */
  sweepIngests(): Promise<number>;
}
