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

/**
 * Writes Docker 25+'s save layout: an OCI image layout (index.json, blobs with uncompressed
 * layers) that also carries the legacy manifest.json and repositories files, so both Docker and
 * OCI tools load it. Each blob is written once even when images share it.
 */
export async function writeSaveArchive(content: ContentStore, snapshots: Snapshotter, items: SaveItem[], out: Writable, signal?: AbortSignal): Promise<void> {
  const pack = tar.pack();
  const piping = pipeline(pack, out, signal ? { signal } : {});
  piping.catch(() => {});
  const written = new Set<string>();
  const dir = (name: string): void => {
    pack.entry({ name, type: 'directory', mode: 0o755, mtime: EPOCH });
  };
  const small = async (name: string, data: string | Buffer): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      pack.entry({ name, mode: 0o644, mtime: EPOCH, size: Buffer.byteLength(data) }, data, (err) => (err ? reject(err) : resolve()));
    });
  };
  const indexManifests: object[] = [];
  const legacy: object[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  try {
    dir('blobs/');
    dir('blobs/sha256/');
    for (const { img, refs } of items) {
      for (const layer of img.record.layers) {
        if (written.has(layer.diffId)) continue;
        written.add(layer.diffId);
        await writeLayer(pack, content, snapshots, layer, signal);
      }
      const configBlob = await content.read(img.id);
      if (!written.has(img.id)) {
        written.add(img.id);
        await small(`blobs/sha256/${hexOf(img.id)}`, configBlob);
      }
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA.ociManifest,
          config: { mediaType: MEDIA.ociConfig, digest: img.id, size: configBlob.length },
          layers: img.record.layers.map((l) => ({ mediaType: MEDIA.ociLayer, digest: l.diffId, size: l.diffSize })),
        }),
      );
      const manifestDigest = sha256(manifest);
      if (!written.has(manifestDigest)) {
        written.add(manifestDigest);
        await small(`blobs/sha256/${hexOf(manifestDigest)}`, manifest);
      }
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
    await small('index.json', JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: indexManifests }) + '\n');
    await small('manifest.json', JSON.stringify(legacy) + '\n');
    await small('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    if (Object.keys(repositories).length > 0) await small('repositories', JSON.stringify(repositories) + '\n');
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
