import { isDigest, sha256, type Digest } from '../base/digest.js';
import { invalidArgument } from '../base/errors.js';
import type { ReadArchive } from './archive-load.js';
import { MEDIA } from './types.js';

/** One image found in an archive: its config and layer blobs, and the names it carries. */
export interface ArchiveImage {
  config: Digest;
  layers: { blob: Digest; mediaType: string }[];
  /** Names as written in the archive (familiar or full). */
  names: string[];
}

interface LegacyManifestEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

/**
 * Finds the images of an archive: `manifest.json` (docker save, any path names) wins, else
 * `index.json` (OCI layout, names from annotations).
 */
export function imagesInArchive(archive: ReadArchive): ArchiveImage[] {
  const legacy = archive.small.get('manifest.json');
  if (legacy) return fromLegacy(archive, parseJson(legacy, 'manifest.json'));
  const index = archive.small.get('index.json');
  if (index) return fromIndex(archive, parseJson(index, 'index.json'), []);
  throw invalidArgument('invalid archive: neither manifest.json nor index.json found');
}

function fromLegacy(archive: ReadArchive, doc: unknown): ArchiveImage[] {
  if (!Array.isArray(doc)) throw invalidArgument('invalid archive: manifest.json is not a list');
  return doc.map((raw: LegacyManifestEntry, i) => {
    if (typeof raw?.Config !== 'string' || !Array.isArray(raw.Layers)) {
      throw invalidArgument(`invalid archive: manifest.json entry ${i} lacks Config or Layers`);
    }
    const layers = raw.Layers.map((p: unknown) => {
      if (typeof p !== 'string') throw invalidArgument('invalid archive: layer path is not a string');
      return { blob: member(archive, p), mediaType: MEDIA.ociLayer };
    });
    const names = Array.isArray(raw.RepoTags) ? raw.RepoTags.filter((t): t is string => typeof t === 'string') : [];
    return { config: member(archive, raw.Config), layers, names };
  });
}

interface Descriptor {
  mediaType?: string;
  digest?: string;
  annotations?: Record<string, string>;
  platform?: { architecture?: string; os?: string };
}

function fromIndex(archive: ReadArchive, doc: unknown, inherited: string[]): ArchiveImage[] {
  const manifests = (doc as { manifests?: Descriptor[] })?.manifests;
  if (!Array.isArray(manifests)) throw invalidArgument('invalid archive: index.json has no manifests');
  const out: ArchiveImage[] = [];
  const byConfig = new Map<string, ArchiveImage>();
  for (const desc of manifests) {
    if (desc.platform?.architecture === 'unknown') continue;
    const digest = blobDigest(archive, desc.digest);
    const body = parseJson(readSmall(archive, digest), digest);
    const names = [...inherited];
    const name = desc.annotations?.['io.containerd.image.name'] ?? desc.annotations?.['org.opencontainers.image.ref.name'];
    if (name) names.push(name);
    const mediaType = desc.mediaType ?? (body as { mediaType?: string }).mediaType;
    if (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerManifestList) {
      const nested = fromIndex(archive, body, names).filter((img) => matchesHost(img, archive));
      out.push(...nested.slice(0, 1));
      continue;
    }
    const m = body as { config?: Descriptor; layers?: Descriptor[] };
    if (!m.config || !Array.isArray(m.layers)) throw invalidArgument(`invalid archive: manifest ${digest} lacks config or layers`);
    const image: ArchiveImage = {
      config: blobDigest(archive, m.config.digest),
      layers: m.layers.map((l) => ({ blob: blobDigest(archive, l.digest), mediaType: l.mediaType ?? MEDIA.ociLayer })),
      names,
    };
    const same = byConfig.get(image.config);
    if (same) same.names.push(...names);
    else {
      byConfig.set(image.config, image);
      out.push(image);
    }
  }
  return out;
}

/** Platform choice inside a nested index: the host's (linux/amd64) when the config says so. */
function matchesHost(img: ArchiveImage, archive: ReadArchive): boolean {
  const cfg = parseJson(readSmall(archive, img.config), img.config) as { architecture?: string; os?: string };
  return (cfg.os ?? 'linux') === 'linux' && (cfg.architecture ?? 'amd64') === hostArch();
}

export function hostArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
}

function member(archive: ReadArchive, path: string): Digest {
  const clean = path.replace(/^\.?\//, '');
  const digest = archive.files.get(clean);
  if (!digest) throw invalidArgument(`invalid archive: ${path} is referenced but missing`);
  // Docker 25+ names blobs by digest: a file whose content does not match its name is corrupt.
  const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(clean);
  if (m && `sha256:${m[1]}` !== digest) throw invalidArgument(`invalid archive: digest mismatch for ${clean}: content is ${digest}`);
  return digest;
}

function blobDigest(archive: ReadArchive, digest: string | undefined): Digest {
  if (!digest || !isDigest(digest)) throw invalidArgument(`invalid archive: bad digest ${String(digest)}`);
  return member(archive, `blobs/sha256/${digest.slice(7)}`);
}

function readSmall(archive: ReadArchive, digest: Digest): Buffer {
  for (const [path, d] of archive.files) {
    if (d === digest) {
      const data = archive.small.get(path);
      if (data) {
        if (sha256(data) !== digest) throw invalidArgument(`invalid archive: digest mismatch for ${path}`);
        return data;
      }
    }
  }
  throw invalidArgument(`invalid archive: ${digest} is missing or too large for a JSON document`);
}

function parseJson(data: Buffer, what: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (err) {
    throw invalidArgument(`invalid archive: ${what} is not valid JSON`, err);
  }
}
