import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { decompressor, detectCompression } from '../base/compression.js';
import { hexOf, sha256, type Digest } from '../base/digest.js';
import type { ContentStore } from '../content/index.js';
import type { Snapshotter } from '../snapshots/index.js';
import { padding, ustarHeader, writeSplitTar } from '../base/tar/index.js';
import { Sink } from '../base/sink.js';
import { BerthError } from '../base/errors.js';
import { familiarName, familiarString, parseReference } from './reference.js';
import { MEDIA, type Image, type LayerRef } from './types.js';

export interface SaveItem {
  img: Image;
  /** Full references to record for this image (may be empty: saved by ID). */
  refs: string[];
}

/** One entry of a save archive, decided before any byte is written. */
type PlannedEntry = { name: string; dir: true } | { name: string; data: Buffer } | { name: string; layer: LayerRef };

/** A save archive laid out in advance: its entries and its exact size in bytes. */
export interface SavePlan {
  entries: PlannedEntry[];
  size: number;
}

const BLOCK = 512;
const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/**
 * Lays out Docker 25+'s save format: an OCI image layout (index.json, blobs with uncompressed
 * layers) that also carries the legacy manifest.json and repositories files, so both Docker and
 * OCI tools load it. Each blob appears once even when images share it. Knowing every entry up
 * front gives the exact size, so the reply can carry a Content-Length.
 */
export async function planSaveArchive(content: ContentStore, items: SaveItem[]): Promise<SavePlan> {
  const entries: PlannedEntry[] = [{ name: 'blobs/', dir: true }, { name: 'blobs/sha256/', dir: true }];
  const written = new Set<string>();
  const blob = (digest: Digest, data: Buffer): void => {
    if (written.has(digest)) return;
    written.add(digest);
    entries.push({ name: `blobs/sha256/${hexOf(digest)}`, data });
  };
  const indexManifests: object[] = [];
  const legacy: object[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { img, refs } of items) {
    for (const layer of img.record.layers) {
      if (written.has(layer.diffId)) continue;
      written.add(layer.diffId);
      entries.push({ name: `blobs/sha256/${hexOf(layer.diffId)}`, layer });
    }
    const configBlob = await content.read(img.id);
    blob(img.id, configBlob);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociManifest,
        config: { mediaType: MEDIA.ociConfig, digest: img.id, size: configBlob.length },
        layers: img.record.layers.map((l) => ({ mediaType: MEDIA.ociLayer, digest: l.diffId, size: l.diffSize })),
      }),
    );
    const manifestDigest = sha256(manifest);
    blob(manifestDigest, manifest);
    const desc = { mediaType: MEDIA.ociManifest, digest: manifestDigest, size: manifest.length };
    const parsed = refs.map((r) => parseReference(r));
    if (parsed.length === 0) indexManifests.push(desc);
    for (const r of parsed) {
      indexManifests.push({
        ...desc,
        annotations: { 'io.containerd.image.name': r.name + (r.tag ? `:${r.tag}` : ''), 'org.opencontainers.image.ref.name': r.tag ?? '' },
      });
      const top = img.record.layers.at(-1);
      if (r.tag && top) (repositories[familiarName(r)] ??= {})[r.tag] = hexOf(top.diffId);
    }
    legacy.push({
      Config: `blobs/sha256/${hexOf(img.id)}`,
      RepoTags: parsed.filter((r) => r.tag !== undefined).map(familiarString),
      Layers: img.record.layers.map((l) => `blobs/sha256/${hexOf(l.diffId)}`),
    });
  }
  entries.push({ name: 'index.json', data: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: indexManifests }) + '\n') });
  entries.push({ name: 'manifest.json', data: Buffer.from(JSON.stringify(legacy) + '\n') });
  entries.push({ name: 'oci-layout', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) });
  if (Object.keys(repositories).length > 0) entries.push({ name: 'repositories', data: Buffer.from(JSON.stringify(repositories) + '\n') });
  // Every name is short (< 100 bytes): one ustar header each, no PAX records; 1 KiB of trailer.
  const size = entries.reduce((n, e) => n + BLOCK + ('data' in e ? padded(e.data.length) : 'layer' in e ? padded(e.layer.diffSize) : 0), 0) + 2 * BLOCK;
  return { entries, size };
}

/**
 * Writes a planned archive; exactly `plan.size` bytes. Headers are laid out here and payloads go
 * straight into `out` (no pack stream between): layers are most of the bytes.
 */
export async function writeSaveArchive(content: ContentStore, snapshots: Snapshotter, plan: SavePlan, out: Writable, signal?: AbortSignal): Promise<void> {
  const sink = new Sink(out, signal);
  for (const e of plan.entries) {
    signal?.throwIfAborted();
    if ('dir' in e) {
      await sink.write(ustarHeader({ name: e.name, type: 'directory', mode: 0o755, size: 0, mtimeSeconds: 0 }));
    } else if ('data' in e) {
      await sink.write(ustarHeader({ name: e.name, type: 'file', mode: 0o644, size: e.data.length, mtimeSeconds: 0 }));
      await sink.write(e.data);
      await sink.write(padding(e.data.length));
    } else {
      await sink.write(ustarHeader({ name: `blobs/sha256/${hexOf(e.layer.diffId)}`, type: 'file', mode: 0o644, size: e.layer.diffSize, mtimeSeconds: 0 }));
      await writeLayer(sink, out, content, snapshots, e.layer, signal);
      await sink.write(padding(e.layer.diffSize));
    }
  }
  await sink.write(Buffer.alloc(2 * BLOCK));
  out.end();
  await finished(out);
}

/** Layers are saved uncompressed, named by diff ID (as Docker does); compressed blobs are inflated. */
async function writeLayer(sink: Sink, out: Writable, content: ContentStore, snapshots: Snapshotter, layer: LayerRef, signal?: AbortSignal): Promise<void> {
  if (layer.storage === 'split') {
    const split = (await snapshots.get(layer.diffId))?.splitPath;
    if (!split) throw new BerthError('Internal', `layer ${layer.diffId} has neither a blob nor a tar split`);
    await writeSplitTar(split, sink, signal);
    return;
  }
  const source = content.createReadStream(layer.blob);
  const counted = new Counter();
  const stages = layer.blob === layer.diffId ? [source] : [source, decompressor(detectCompression(await readHead(content, layer.blob)))];
  await pipeline([...stages, counted, out] as unknown as [NodeJS.ReadableStream, NodeJS.WritableStream], { end: false, ...(signal ? { signal } : {}) });
  if (counted.bytes !== layer.diffSize) throw new BerthError('Internal', `layer ${layer.diffId} holds ${counted.bytes} bytes, expected ${layer.diffSize}`);
}

/** Passes bytes through and counts them: the archive's Content-Length depends on each layer's size. */
class Counter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

async function readHead(content: ContentStore, blob: Digest): Promise<Buffer> {
  const s = content.createReadStream(blob);
  for await (const chunk of s) {
    s.destroy();
    return chunk as Buffer;
  }
  return Buffer.alloc(0);
}
