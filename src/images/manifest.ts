/**
 * Image manifests and indexes as a pull reads them (Docker schema 2 and OCI): the type from the
 * registry's Content-Type or, when that is generic, from the document itself, as
 * distribution.UnmarshalManifest decides; descriptors checked; the media types moby refuses
 * refused with its messages.
 */
import { isDigest, type Digest } from '../base/digest.js';
import { invalidArgument } from '../base/errors.js';
import type { Platform } from './platform.js';
import { MEDIA } from './types.js';

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
}

export interface IndexEntry extends Descriptor {
  platform?: Platform;
}

export type ParsedManifest =
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: Descriptor[] }
  | { kind: 'index'; mediaType: string; manifests: IndexEntry[] };

const SCHEMA1 = new Set(['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws']);
const GENERIC = new Set(['', 'application/json', 'text/plain', 'application/octet-stream']);

/** Media type prefixes (and legacy values) moby accepts for configs and layers. */
const SUPPORTED_PREFIXES = ['application/vnd.oci.image', 'application/vnd.docker'];
const LEGACY_TYPES = new Set(['application/octet-stream', 'application/json', 'text/html', '']);
/** Config types that make an image; other known classes are refused by name. */
const IMAGE_CONFIG_TYPES = new Set([MEDIA.dockerConfig, MEDIA.ociConfig, ...LEGACY_TYPES]);
const CONFIG_CLASSES: Record<string, string> = { 'application/vnd.docker.plugin.v1+json': 'plugin' };

export function schema1Error(ref: string): Error {
  return invalidArgument(
    `Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. Suggest the author of ${ref} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. More information at https://docs.docker.com/go/deprecated-image-specs/`,
  );
}

/**
 * Parses a fetched manifest. `ref` (the full reference) only words errors.
 * @throws BerthError InvalidArgument for malformed, unsupported or schema 1 manifests.
 */
export function parseManifest(bytes: Buffer, contentType: string, ref: string): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw invalidArgument(`invalid manifest for ${ref}: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalidArgument(`invalid manifest for ${ref}: not a JSON object`);
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : '';
  let type = contentType;
  if (GENERIC.has(type)) {
    if (doc.schemaVersion === 1) type = SCHEMA1.values().next().value!;
    else if (declared) type = declared;
    else if (Array.isArray(doc.manifests)) type = MEDIA.ociIndex;
    else if (doc.config !== undefined) type = MEDIA.ociManifest;
  }
  if (SCHEMA1.has(type) || doc.schemaVersion === 1) throw schema1Error(ref);
  if (declared && declared !== type && !GENERIC.has(contentType)) {
    throw invalidArgument(`invalid manifest for ${ref}: mediaType in manifest should be '${type}' not '${declared}'`);
  }
  switch (type) {
    case MEDIA.dockerManifest:
    case MEDIA.ociManifest:
      return { kind: 'image', mediaType: type, config: descriptor(doc.config, ref, 'config'), layers: list(doc.layers, ref, 'layers').map((l, i) => descriptor(l, ref, `layers[${i}]`)) };
    case MEDIA.dockerManifestList:
    case MEDIA.ociIndex:
      return { kind: 'index', mediaType: type, manifests: list(doc.manifests, ref, 'manifests').map((m, i) => indexEntry(m, ref, i)) };
    default:
      throw invalidArgument(`unsupported manifest media type and no default available: ${type}`);
  }
}

function list(value: unknown, ref: string, field: string): unknown[] {
  if (!Array.isArray(value)) throw invalidArgument(`invalid manifest for ${ref}: ${field} is not a list`);
  return value;
}

function descriptor(value: unknown, ref: string, field: string): Descriptor {
  const d = value as { mediaType?: unknown; digest?: unknown; size?: unknown } | null;
  if (d === null || typeof d !== 'object') throw invalidArgument(`invalid manifest for ${ref}: ${field} is not a descriptor`);
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw invalidArgument(`invalid manifest for ${ref}: ${field} has an invalid digest ${JSON.stringify(d.digest)}`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw invalidArgument(`invalid manifest for ${ref}: ${field} has an invalid size`);
  return { mediaType: typeof d.mediaType === 'string' ? d.mediaType : '', digest: d.digest, size: d.size };
}

function indexEntry(value: unknown, ref: string, i: number): IndexEntry {
  const desc = descriptor(value, ref, `manifests[${i}]`);
  const p = (value as { platform?: { os?: unknown; architecture?: unknown; variant?: unknown; 'os.version'?: unknown } }).platform;
  if (!p || typeof p !== 'object' || typeof p.os !== 'string' || typeof p.architecture !== 'string') return desc;
  return {
    ...desc,
    platform: { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' && p.variant ? { variant: p.variant } : {}), ...(typeof p['os.version'] === 'string' ? { osVersion: p['os.version'] } : {}) },
  };
}

/** moby's checkSupportedMediaType, for configs and layers. */
export function checkSupportedMediaType(mediaType: string): void {
  const lower = mediaType.toLowerCase();
  if (lower.startsWith('application/vnd.docker.ai.')) throw invalidArgument('AI models are not yet supported by the Engine, please use "docker model pull/run" instead');
  if (LEGACY_TYPES.has(lower) || SUPPORTED_PREFIXES.some((p) => lower === p || lower.startsWith(`${p}.`))) return;
  throw invalidArgument(`unsupported media type ${mediaType}`);
}

/** moby's validateMediaType for schema 2 configs: plugins and other classes are not images. */
export function checkImageConfigType(mediaType: string): void {
  if (IMAGE_CONFIG_TYPES.has(mediaType)) return;
  throw invalidArgument(`Encountered remote "${mediaType}"(${CONFIG_CLASSES[mediaType] ?? 'unknown'}) when fetching`);
}
