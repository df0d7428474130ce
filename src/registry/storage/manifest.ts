/**
 * What the registry needs to know about a manifest it stores: its media type, the blobs and
 * manifests it references (checked on push, marked by garbage collection), its subject and
 * artifact type (the referrers API). Pure functions over the pushed bytes.
 */
import { isDigest } from '../digest.js';
import { registryError } from '../errors.js';

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export const MANIFEST_TYPES: readonly string[] = [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerList];
const INDEX_TYPES: readonly string[] = [MediaTypes.ociIndex, MediaTypes.dockerList];

/** The spec's recommended limit: larger manifests are refused with 413. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  platform?: { architecture?: string; os?: string; variant?: string };
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ManifestInfo {
  mediaType: string;
  isIndex: boolean;
  /** Config and layers (blobs) that must exist in the repository. */
  blobs: Descriptor[];
  /** Child manifests of an index that must exist in the repository. */
  manifests: Descriptor[];
  subject?: Descriptor;
  /** The referrers API's artifactType: the field, else a manifest's config media type. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * Parses pushed manifest bytes. The media type is the body's `mediaType`, else the request's
 * Content-Type; they must agree when both are given (as distribution checks).
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ManifestInfo {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw registryError('MANIFEST_INVALID', 'manifest invalid', 'invalid JSON');
  }
  if (!isObject(doc)) throw registryError('MANIFEST_INVALID', 'manifest invalid', 'not a JSON object');
  const header = contentType?.split(';')[0]?.trim();
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (declared && header && MANIFEST_TYPES.includes(header) && declared !== header) {
    throw registryError('MANIFEST_INVALID', 'manifest invalid', `mediaType in manifest (${declared}) does not match Content-Type (${header})`);
  }
  const mediaType = declared ?? (header && MANIFEST_TYPES.includes(header) ? header : Array.isArray(doc.manifests) ? MediaTypes.ociIndex : MediaTypes.ociManifest);
  if (!MANIFEST_TYPES.includes(mediaType)) throw registryError('MANIFEST_INVALID', 'manifest invalid', `unsupported manifest media type ${mediaType}`);
  if (doc.schemaVersion !== 2) throw registryError('MANIFEST_INVALID', 'manifest invalid', 'schemaVersion must be 2');
  const info: ManifestInfo = { mediaType, isIndex: INDEX_TYPES.includes(mediaType), blobs: [], manifests: [] };
  if (info.isIndex) {
    if (!Array.isArray(doc.manifests)) throw registryError('MANIFEST_INVALID', 'manifest invalid', 'index without manifests');
    info.manifests = doc.manifests.map((d, i) => descriptor(d, `manifests[${i}]`));
  } else {
    info.blobs.push(descriptor(doc.config, 'config'));
    if (doc.layers !== undefined && !Array.isArray(doc.layers)) throw registryError('MANIFEST_INVALID', 'manifest invalid', 'layers is not a list');
    for (const [i, l] of ((doc.layers as unknown[] | undefined) ?? []).entries()) info.blobs.push(descriptor(l, `layers[${i}]`));
  }
  if (doc.subject !== undefined) info.subject = descriptor(doc.subject, 'subject');
  const artifactType = typeof doc.artifactType === 'string' && doc.artifactType !== '' ? doc.artifactType : undefined;
  info.artifactType = artifactType ?? (info.isIndex ? undefined : info.blobs[0]?.mediaType);
  if (isObject(doc.annotations)) info.annotations = doc.annotations as Record<string, string>;
  return info;
}

/** Blobs a registry does not hold: layers with `urls` (foreign layers) are fetched elsewhere. */
export function isForeign(d: Descriptor): boolean {
  return Array.isArray(d.urls) && d.urls.length > 0;
}

function descriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value) || typeof value.digest !== 'string' || typeof value.mediaType !== 'string' || typeof value.size !== 'number') {
    throw registryError('MANIFEST_INVALID', 'manifest invalid', `${where}: not a descriptor`);
  }
  if (!isDigest(value.digest)) throw registryError('MANIFEST_INVALID', 'manifest invalid', `${where}: invalid digest ${value.digest}`);
  if (!Number.isSafeInteger(value.size) || value.size < 0) throw registryError('MANIFEST_INVALID', 'manifest invalid', `${where}: invalid size`);
  return value as unknown as Descriptor;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
