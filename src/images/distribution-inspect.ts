/**
 * `GET /distribution/{name}/json` (moby's distribution router): what a registry holds under a
 * reference, without pulling it: the manifest's descriptor and the platforms it offers (a
 * manifest list's entries, or a Docker schema 2 image's config).
 */
import { BerthError } from '../base/errors.js';
import { checkSupportedMediaType, parseManifest } from './manifest.js';
import { translatePullError } from './pull-errors.js';
import { fullString, normalize, type ImageReference } from './reference.js';
import type { RegistryAuth, RemoteDescriptor, RemoteRegistry } from './remote.js';
import { MEDIA } from './types.js';

/** ocispec.Platform as Go marshals it. */
export interface WirePlatform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

export interface DistributionInspect {
  descriptor: RemoteDescriptor;
  platforms: WirePlatform[] | null;
}

const CONFIG_MAX = 8 << 20;

export async function inspectDistribution(remote: RemoteRegistry, ref: ImageReference, auth: RegistryAuth | undefined, signal?: AbortSignal): Promise<DistributionInspect> {
  const named = ref.digest === undefined ? normalize(ref) : ref;
  try {
    const repo = await remote.openRepository(named.domain, named.path, { auth, push: false, ...(signal ? { signal } : {}) });
    const got = await repo.getManifest(named.digest ?? named.tag!, signal);
    const m = parseManifest(got.bytes, got.descriptor.mediaType, fullString(named));
    const descriptor = { ...got.descriptor, mediaType: m.mediaType };
    if (m.kind === 'index') {
      const platforms = m.manifests.filter((e) => e.platform).map((e) => toWire(e.platform!));
      return { descriptor, platforms: platforms.length ? platforms : null };
    }
    // moby reads the platform of Docker schema 2 images only.
    if (m.mediaType !== MEDIA.dockerManifest) return { descriptor, platforms: null };
    checkSupportedMediaType(m.config.mediaType);
    const config = JSON.parse((await repo.fetchBlob(m.config, CONFIG_MAX, signal).catch(() => Buffer.from('{}'))).toString('utf8')) as Record<string, unknown>;
    const os = typeof config.os === 'string' ? config.os : '';
    const architecture = typeof config.architecture === 'string' ? config.architecture : '';
    if (!os && !architecture) return { descriptor, platforms: null };
    const p: WirePlatform = { architecture, os };
    if (typeof config['os.version'] === 'string') p['os.version'] = config['os.version'];
    if (Array.isArray(config['os.features'])) p['os.features'] = config['os.features'] as string[];
    if (typeof config.variant === 'string' && config.variant) p.variant = config.variant;
    return { descriptor, platforms: [p] };
  } catch (err) {
    throw err instanceof BerthError ? translatePullError(err, named) : err;
  }
}

function toWire(p: { os: string; architecture: string; variant?: string; osVersion?: string }): WirePlatform {
  return { architecture: p.architecture, os: p.os, ...(p.osVersion ? { 'os.version': p.osVersion } : {}), ...(p.variant ? { variant: p.variant } : {}) };
}
