import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { decompressor, detectCompression } from '../base/compression.js';
import { hexOf, sha256, type Digest } from '../base/digest.js';
import type { ContentStore } from '../content/index.js';
import type { Snapshotter } from '../snapshots/index.js';
import { writeSplitTar } from '../base/tar/index.js';
import { BerthError } from '../base/errors.js';
import { familiarName, familiarString, parseReference } from './reference.js';
import { MEDIA, type Image, type LayerRef } from './types.js';

export interface SaveItem {
  img: Image;
  /** Full references to record for this image (may be empty: saved by ID). */
  refs: string[];
}

const EPOCH = new Date(0);

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

/** Writes a planned archive; exactly `plan.size` bytes. */
export async function writeSaveArchive(content: ContentStore, snapshots: Snapshotter, plan: SavePlan, out: Writable, signal?: AbortSignal): Promise<void> {
  const pack = tar.pack();
  const piping = pipeline(pack, out, signal ? { signal } : {});
  piping.catch(() => {});
  try {
    for (const e of plan.entries) {
      if ('dir' in e) {
        pack.entry({ name: e.name, type: 'directory', mode: 0o755, mtime: EPOCH });
      } else if ('data' in e) {
        await new Promise<void>((resolve, reject) => {
          pack.entry({ name: e.name, mode: 0o644, mtime: EPOCH, size: e.data.length }, e.data, (err) => (err ? reject(err) : resolve()));
        });
      } else {
        await writeLayer(pack, content, snapshots, e.layer, signal);
      }
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  await piping;
}

/** Layers are saved uncompressed, named by diff ID (as Docker does); compressed blobs are inflated. */
async function writeLayer(pack: tar.Pack, content: ContentStore, snapshots: Snapshotter, layer: LayerRef, signal?: AbortSignal): Promise<void> {
  const entry = pack.entry({ name: `blobs/sha256/${hexOf(layer.diffId)}`, mode: 0o644, mtime: EPOCH, size: layer.diffSize });
  if (layer.storage === 'split') {
    const split = (await snapshots.get(layer.diffId))?.splitPath;
    if (!split) throw new BerthError('Internal', `layer ${layer.diffId} has neither a blob nor a tar split`);
    await writeSplitTar(split, entry as unknown as Writable, signal);
    await new Promise<void>((resolve, reject) => {
      entry.once('finish', () => resolve());
      entry.once('error', reject);
      (entry as unknown as Writable).end();
    });
    return;
  }
  const source = content.createReadStream(layer.blob);
  if (layer.blob === layer.diffId) {
    await pipeline(source, entry, signal ? { signal } : {});
    return;
  }
  const head = await readHead(content, layer.blob);
  await pipeline(source, decompressor(detectCompression(head)), entry, signal ? { signal } : {});
}

async function readHead(content: ContentStore, blob: Digest): Promise<Buffer> {
  const s = content.createReadStream(blob);
  for await (const chunk of s) {
    s.destroy();
    return chunk as Buffer;
  }
  return Buffer.alloc(0);
}
