/**
 * `docker pull` (`POST /images/create?fromImage=`), after moby's distribution/pull_v2.go: resolve
 * the reference, pick this host's platform from a manifest list, fetch and check the config,
 * download the layers three at a time (each verified and unpacked as it arrives, layers already
 * here skipped), then record the image, its tag and its repository digest. Docker's progress
 * messages throughout, so the docker CLI draws its bars.
 */
import { mapBounded } from '../base/bounded.js';
import { shortId, type Digest } from '../base/digest.js';
import { BerthError, invalidArgument } from '../base/errors.js';
import type { ProgressSink } from '../base/progress.js';
import type { ImageService, ImageServiceDeps } from './image-service.js';
import type { LayerExtractor } from './layer-unpack.js';
import { checkImageConfigType, checkSupportedMediaType, parseManifest, type Descriptor, type ParsedManifest } from './manifest.js';
import { formatPlatform, parsePlatform, PlatformMatcher, selectManifests, withHostDefaults, type Platform } from './platform.js';
import { existingLayer, pullLayer, type LayerPullDeps } from './pull-layer.js';
import { inspectDistribution, type DistributionInspect } from './distribution-inspect.js';
import { translatePullError } from './pull-errors.js';
import { familiarName, familiarString, fullString, isValidTag, parseReference, type ImageReference } from './reference.js';
import type { RegistryAuth, RemoteRegistry, RemoteRepository } from './remote.js';
import type { RemoteBlobIndex } from './remote-blobs.js';
import type { ImageConfigJson, ImageRecord, LayerRef, ManifestRef } from './types.js';

export interface DistributionDeps extends ImageServiceDeps {
  extractor: LayerExtractor;
  remote: RemoteRegistry;
  remoteBlobs: RemoteBlobIndex;
}

export interface PullOptions {
  /** `--platform` as given (`linux/arm64`); empty for this host's. */
  platform?: string | undefined;
  auth?: RegistryAuth | undefined;
  progress: ProgressSink;
  signal: AbortSignal;
}

/** Docker's limit on concurrent layer downloads (`max-concurrent-downloads`). */
const DOWNLOADS = 3;
const CONFIG_MAX = 8 << 20;

/** The reference a pull asks for: `fromImage` plus `tag`, which may hold a digest (moby's rules). */
export function pullReference(fromImage: string, tag: string): ImageReference {
  // `pull -a` of old clients sends the name with a trailing colon.
  const ref = parseReference(fromImage.replace(/:$/, ''));
  const base: ImageReference = { domain: ref.domain, path: ref.path, name: ref.name };
  if (tag !== '') {
    if (/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:/.test(tag)) return parseReference(`${ref.name}@${tag}`);
    if (!isValidTag(tag)) throw invalidArgument('invalid tag format');
    return { ...base, tag };
  }
  // A digest pins the image; a tag beside it says nothing more.
  if (ref.digest !== undefined) return { ...base, digest: ref.digest };
  return ref;
}

export class ImagePuller {
  constructor(
    private readonly deps: DistributionDeps,
    private readonly images: ImageService,
  ) {}

  /** `GET /distribution/{name}/json`: the registry's descriptor and platforms for a reference. */
  async inspectRemote(ref: ImageReference, auth: RegistryAuth | undefined, signal?: AbortSignal): Promise<DistributionInspect> {
    return inspectDistribution(this.deps.remote, ref, auth, signal);
  }

  async pull(ref: ImageReference, opts: PullOptions): Promise<void> {
    if (familiarName(ref) === 'scratch') throw new BerthError('Forbidden', "'scratch' is a reserved name");
    const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
    try {
      const repo = await this.deps.remote.openRepository(ref.domain, ref.path, { auth: opts.auth, push: false, signal: opts.signal });
      let updated = false;
      if (ref.tag === undefined && ref.digest === undefined) {
        for (const tag of await repo.listTags(opts.signal)) updated = (await this.pullOne(repo, { ...ref, tag }, platform, opts)) || updated;
      } else {
        updated = await this.pullOne(repo, ref, platform, opts);
      }
      opts.progress({ status: `Status: ${updated ? 'Downloaded newer image for' : 'Image is up to date for'} ${familiarString(ref)}` });
    } catch (err) {
      throw translatePullError(err, ref);
    }
    this.deps.emit({ action: 'pull', id: familiarString(ref), name: familiarName(ref) });
  }

  /** Pulls one tag or digest; true when the image is new or the tag moved (moby's tagUpdated). */
  private async pullOne(repo: RemoteRepository, ref: ImageReference, platform: Platform | undefined, opts: PullOptions): Promise<boolean> {
    const tagOrDigest = ref.digest ?? ref.tag!;
    const top = await repo.getManifest(tagOrDigest, opts.signal);
    const parsed = parseManifest(top.bytes, top.descriptor.mediaType, fullString(ref));
    if (parsed.kind === 'image' && parsed.mediaType !== 'application/vnd.oci.image.manifest.v1+json') checkImageConfigType(parsed.config.mediaType);
    opts.progress({ id: tagOrDigest, status: `Pulling from ${repo.path}`, note: true });
    const manifests: ManifestRef[] = [{ digest: top.descriptor.digest, mediaType: parsed.mediaType, size: top.descriptor.size }];
    // Shared with other writers, exclusive of garbage collection: nothing stored here can be
    // collected before the image record that holds it is written.
    const id = await this.images.gcLock.shared(async () => {
      await this.deps.content.put(top.bytes);
      if (parsed.kind === 'image') return this.pullImage(repo, ref, parsed, manifests, platform, opts);
      return this.pullIndex(repo, ref, parsed, manifests, platform, opts);
    });
    opts.progress({ status: `Digest: ${top.descriptor.digest}` });
    return this.recordReferences(ref, top.descriptor.digest, id);
  }

  /** moby's pullManifestList: the best platform match that is an image (nested indexes followed). */
  private async pullIndex(repo: RemoteRepository, ref: ImageReference, index: ParsedManifest & { kind: 'index' }, manifests: ManifestRef[], platform: Platform | undefined, opts: PullOptions): Promise<Digest> {
    const wanted = withHostDefaults(platform);
    for (const entry of selectManifests(index.manifests, wanted)) {
      const child = await repo.getManifest(entry.digest, opts.signal);
      let parsed: ParsedManifest;
      try {
        parsed = parseManifest(child.bytes, child.descriptor.mediaType || entry.mediaType, `${ref.name}@${entry.digest}`);
      } catch {
        // The spec says to skip manifest types one does not know.
        continue;
      }
      await this.deps.content.put(child.bytes);
      const refs = [...manifests, { digest: entry.digest, mediaType: parsed.mediaType, size: child.bytes.length }];
      if (parsed.kind === 'image') return this.pullImage(repo, ref, parsed, refs, entry.platform ?? platform, opts);
      try {
        return await this.pullIndex(repo, ref, parsed, refs, platform, opts);
      } catch (err) {
        if (!(err instanceof NoMatchError)) throw err;
      }
    }
    throw new NoMatchError(formatPlatform(wanted));
  }

  private async pullImage(repo: RemoteRepository, ref: ImageReference, m: ParsedManifest & { kind: 'image' }, manifests: ManifestRef[], platform: Platform | undefined, opts: PullOptions): Promise<Digest> {
    const existing = this.deps.records.get(m.config.digest);
    if (existing) {
      this.warnPlatform(ref, await this.images.image(m.config.digest).then((i) => i.config), platform, opts);
      return m.config.digest;
    }
    checkSupportedMediaType(m.config.mediaType);
    for (const l of m.layers) checkSupportedMediaType(l.mediaType);
    const configBytes = await repo.fetchBlob(m.config, CONFIG_MAX, opts.signal).catch((err: unknown) => {
      const why = err instanceof BerthError && err.message.startsWith('verification failed') ? `image config verification failed for digest ${m.config.digest}` : (err as Error).message;
      throw new BerthError(err instanceof BerthError ? err.kind : 'Internal', `error pulling image configuration: ${why}`, { cause: err });
    });
    const config = parseConfig(configBytes);
    if (config.rootfs.diff_ids.length !== m.layers.length) throw invalidArgument("layers from manifest don't match image configuration");
    this.warnPlatform(ref, config, platform, opts);
    const layers = await this.pullLayers(repo, m.layers, config.rootfs.diff_ids, opts);
    await this.deps.content.put(configBytes, m.config.digest);
    const record: ImageRecord = {
      schemaVersion: 1,
      id: m.config.digest,
      configMediaType: m.config.mediaType || 'application/vnd.oci.image.config.v1+json',
      configSize: configBytes.length,
      layers,
      manifests,
      addedAt: new Date().toISOString(),
    };
    await this.deps.records.put(record);
    return record.id;
  }

  /** Layers three at a time; the first failure stops the others. */
  private async pullLayers(repo: RemoteRepository, blobs: Descriptor[], diffIds: Digest[], opts: PullOptions): Promise<LayerRef[]> {
    const deps: LayerPullDeps = this.deps;
    const reportFor = (d: Descriptor) => (status: string, current?: number, total?: number) =>
      opts.progress({ id: shortId(d.digest), status, ...(current !== undefined ? { current } : {}), ...(total !== undefined ? { total } : {}) });
    const layers = new Map<Digest, LayerRef>();
    const pending: { blob: Descriptor; diffId: Digest }[] = [];
    for (const [i, blob] of blobs.entries()) {
      if (layers.has(blob.digest) || pending.some((p) => p.blob.digest === blob.digest)) continue;
      const diffId = diffIds[i]!;
      const found = await existingLayer(deps, blob, diffId);
      if (found) {
        reportFor(blob)('Already exists');
        layers.set(blob.digest, found);
        continue;
      }
      reportFor(blob)('Pulling fs layer');
      pending.push({ blob, diffId });
    }
    for (const [n, job] of pending.entries()) if (n >= DOWNLOADS) reportFor(job.blob)('Waiting');
    const pulled = await mapBounded(pending, DOWNLOADS, opts.signal, (job, signal) => pullLayer(deps, repo, job.blob, job.diffId, reportFor(job.blob), signal));
    for (const [i, job] of pending.entries()) layers.set(job.blob.digest, pulled[i]!);
    return blobs.map((b) => layers.get(b.digest)!);
  }

  /** With `--platform`, a single-platform image for another platform is kept, with Docker's warning. */
  private warnPlatform(ref: ImageReference, config: ImageConfigJson, platform: Platform | undefined, opts: PullOptions): void {
    if (!platform) return;
    const actual: Platform = { os: config.os ?? '', architecture: config.architecture ?? '', ...(config.variant ? { variant: config.variant } : {}) };
    if (new PlatformMatcher(withHostDefaults(platform)).match(actual)) return;
    opts.progress({
      status: `WARNING: image with reference ${familiarName(ref)} was found but its platform (${formatPlatform(actual)}) does not match the specified platform (${formatPlatform(platform)})`,
    });
  }

  /** moby's tag bookkeeping after a pull: `name@digest` always, the tag when pulled by tag. */
  private async recordReferences(ref: ImageReference, manifestDigest: Digest, id: Digest): Promise<boolean> {
    const digestRef = `${ref.name}@${manifestDigest}`;
    // A digest reference, once made, is never moved to another image (moby's addDigestReference).
    const refs = this.deps.records.lookupRef(digestRef) === undefined ? [digestRef] : [];
    if (ref.digest !== undefined) {
      if (refs.length > 0) await this.deps.records.setRefs(id, refs);
      return refs.length > 0;
    }
    const tagRef = fullString(ref);
    if (this.deps.records.lookupRef(tagRef) === id) {
      if (refs.length > 0) await this.deps.records.setRefs(id, refs);
      return false;
    }
    await this.deps.records.setRefs(id, [...refs, tagRef]);
    return true;
  }
}

class NoMatchError extends BerthError {
  constructor(platform: string) {
    super('NotFound', `no matching manifest for ${platform} in the manifest list entries`);
  }
}

function parseConfig(bytes: Buffer): ImageConfigJson {
  let config: ImageConfigJson;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfigJson;
  } catch (err) {
    throw invalidArgument(`error pulling image configuration: ${(err as Error).message}`);
  }
  if (!config?.rootfs || config.rootfs.type !== 'layers' || !Array.isArray(config.rootfs.diff_ids)) throw invalidArgument('invalid rootfs in image configuration');
  return config;
}
