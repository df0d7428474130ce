import type { Digest } from '../base/digest.js';
import type { Logger } from '../base/log.js';
import type { ContentStore } from '../content/index.js';
import type { Snapshotter } from '../snapshots/index.js';
import type { ImageRecordStore } from './image-store.js';

export interface GcDeps {
  content: ContentStore;
  snapshots: Snapshotter;
  records: ImageRecordStore;
  log: Logger;
  /** Layers that something other than an image holds (e.g. a container's rootfs). */
  extraLayerRoots?: () => Iterable<Digest>;
}

export interface GcResult {
  blobsRemoved: number;
  layersRemoved: number;
  bytesReclaimed: number;
}

/**
 * Mark and sweep: everything not reachable from an image record or an extra root goes. Callers
 * hold the image lock exclusively, so no operation is half-way through writing a blob.
 */
export async function collectGarbage(deps: GcDeps): Promise<GcResult> {
  const liveBlobs = new Set<string>();
  const liveLayers = new Set<string>();
  for (const rec of deps.records.all()) {
    liveBlobs.add(rec.id);
    for (const l of rec.layers) {
      liveBlobs.add(l.blob);
      liveLayers.add(l.diffId);
    }
    for (const m of rec.manifests) liveBlobs.add(m.digest);
  }
  for (const d of deps.extraLayerRoots?.() ?? []) liveLayers.add(d);

  const result: GcResult = { blobsRemoved: 0, layersRemoved: 0, bytesReclaimed: 0 };
  for (const blob of await deps.content.list()) {
    if (liveBlobs.has(blob.digest)) continue;
    await deps.content.delete(blob.digest);
    result.blobsRemoved++;
    result.bytesReclaimed += blob.size;
  }
  for (const snap of await deps.snapshots.list()) {
    if (liveLayers.has(snap.diffId)) continue;
    await deps.snapshots.remove(snap.diffId);
    result.layersRemoved++;
    result.bytesReclaimed += snap.size;
  }
  if (result.blobsRemoved || result.layersRemoved) deps.log.debug('garbage collected', { ...result });
  return result;
}
