import type { Readable } from 'node:stream';
import { posix } from 'node:path';
import tar from 'tar-stream';
import { decompressor, detectCompression, looksLikeTar, peek } from '../base/compression.js';
import { isDigest, shortId, type Digest } from '../base/digest.js';
import { BerthError, invalidArgument } from '../base/errors.js';
import type { ProgressSink } from '../base/progress.js';
import type { ContentStore } from '../content/index.js';
import type { Snapshotter } from '../snapshots/index.js';
import { unpackLayer, type LayerExtractor, type UnpackedLayer } from './layer-unpack.js';
import { Tee } from './tee.js';

/** Entries at least this large are unpacked while they stream in (layers); smaller ones later. */
const SPECULATE_MIN = 1 << 20;
/** JSON documents (manifest.json, index.json, configs) are kept in memory up to this size. */
const SMALL_MAX = 8 << 20;

export interface ArchiveDeps {
  content: ContentStore;
  snapshots: Snapshotter;
  extractor: LayerExtractor;
}

/** What an archive holds, once every entry is in the content store. */
export interface ReadArchive {
  /** Archive path → blob digest of that file. */
  files: Map<string, Digest>;
  /** Small files' bytes by path (JSON documents). */
  small: Map<string, Buffer>;
  /** Layers unpacked while streaming, by blob digest. */
  unpacked: Map<Digest, UnpackedLayer>;
}

/**
 * Reads an image archive (docker save output or OCI layout; plain or gzip) entry by entry into the
 * content store. Large entries that look like tars are unpacked into snapshots on the fly, so a
 * layer crosses the disk once on its way in. Nothing becomes an image here.
 */
export async function readArchive(
  deps: ArchiveDeps,
  input: Readable,
  progress: ProgressSink,
  signal?: AbortSignal,
): Promise<ReadArchive> {
  const { head, stream } = await peek(input, 512);
  if (head.length === 0) throw invalidArgument('invalid archive: empty input');
  const outerCompression = detectCompression(head);
  const plain = outerCompression === 'none' ? stream : stream.pipe(decompressor(outerCompression));
  if (outerCompression === 'none' && !looksLikeTar(head)) throw invalidArgument('invalid archive: not a tar file');

  const files = new Map<string, Digest>();
  const small = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const unpacked = new Map<Digest, UnpackedLayer>();
  const extract = tar.extract();
  plain.on('error', (err) => extract.destroy(err));
  plain.pipe(extract);
  try {
    for await (const entry of extract) {
      signal?.throwIfAborted();
      const name = cleanName(entry.header.name);
      const type = entry.header.type;
      if (type === 'symlink' || type === 'link') {
        const target = type === 'symlink' ? posix.join(posix.dirname(name), entry.header.linkname ?? '') : cleanName(entry.header.linkname ?? '');
        links.set(name, target);
        entry.resume();
        continue;
      }
      if (type !== 'file' && type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const size = entry.header.size ?? 0;
      if (size <= SMALL_MAX && (size < SPECULATE_MIN || isJsonName(name))) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        const data = Buffer.concat(chunks);
        const info = await deps.content.put(data);
        files.set(name, info.digest);
        small.set(name, data);
        continue;
      }
      const digest = await ingestLarge(deps, entry as unknown as Readable, size, name, unpacked, progress, signal);
      files.set(name, digest);
    }
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw invalidArgument(`invalid archive: ${(err as Error).message}`, err);
  }
  for (const [from, to] of links) {
    const digest = files.get(to);
    if (digest) files.set(from, digest);
    const data = small.get(to);
    if (data) small.set(from, data);
  }
  return { files, small, unpacked };
}

async function ingestLarge(
  deps: ArchiveDeps,
  entry: Readable,
  size: number,
  name: string,
  unpacked: Map<Digest, UnpackedLayer>,
  progress: ProgressSink,
  signal?: AbortSignal,
): Promise<Digest> {
  const { head, stream } = await peek(entry, 512);
  const id = shortId(isDigest(`sha256:${posix.basename(name)}`) ? posix.basename(name) : name.replace(/[^a-f0-9]/g, '').padEnd(12, '0'));
  const report = (current: number): void => progress({ id, status: 'Loading layer', current, total: size });
  if (detectCompression(head) === 'none' && looksLikeTar(head)) {
    // An uncompressed layer (what docker save writes) is unpacked with a tar split instead of being
    // stored: its digest is its diff ID, hashed in the same pass, and save rebuilds the exact bytes.
    const layer = await unpackLayer(deps.snapshots, deps.extractor, stream, { split: true, onProgress: report, ...(signal ? { signal } : {}) });
    unpacked.set(layer.diffId, layer);
    return layer.diffId;
  }
  const speculate = detectCompression(head) !== 'none';
  const tee = new Tee(speculate ? 2 : 1);
  const [toStore, toUnpack] = tee.branches;
  const storing = deps.content.ingest(toStore!, {
    expectedSize: size,
    onProgress: report,
    ...(signal ? { signal } : {}),
  });
  let unpacking: Promise<UnpackedLayer | undefined> = Promise.resolve(undefined);
  if (toUnpack) {
    unpacking = unpackLayer(deps.snapshots, deps.extractor, toUnpack, {
      inputDigest: () => storing.then((s) => s.digest),
      ...(signal ? { signal } : {}),
    }).catch(() => {
      tee.drop(toUnpack);
      return undefined;
    });
  }
  const feeding = tee.run(stream, signal);
  const [, stored, layer] = await Promise.all([feeding, storing, unpacking]);
  if (layer) unpacked.set(stored.digest, layer);
  return stored.digest;
}

function isJsonName(name: string): boolean {
  return name.endsWith('.json') || name === 'repositories' || name === 'oci-layout';
}

/** Archive member names as written by docker/skopeo: relative, maybe "./"-prefixed. */
export function cleanName(name: string): string {
  const cleaned = posix.normalize('/' + name).slice(1);
  return cleaned.replace(/\/$/, '');
}
