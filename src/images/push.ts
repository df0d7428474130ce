/**
 * `docker push` (`POST /images/{name}/push`), after moby's distribution/push.go and push_v2.go:
 * the layers (five at a time, each skipped, mounted or uploaded), the config, then the manifest
 * under the tag: Docker schema 2 with gzip layers as Docker 28 pushes, OCI for zstd or
 * uncompressed layers. Ends with `<tag>: digest: … size: …` and the aux `{Tag, Digest, Size}`.
 */
import { mapBounded } from '../base/bounded.js';
import { Readable } from 'node:stream';
import { shortId, type Digest } from '../base/digest.js';
import { BerthError, invalidArgument } from '../base/errors.js';
import type { PushCompression } from '../base/parallel-compress.js';
import type { ProgressSink } from '../base/progress.js';
import type { ImageService } from './image-service.js';
import type { DistributionDeps } from './pull.js';
import { engineError } from './pull-errors.js';
import { pushLayer, type PushedBlob } from './push-layer.js';
import { familiarName, familiarString, fullString, isValidTag, parseReference, type ImageReference } from './reference.js';
import type { RegistryAuth, RemoteRepository } from './remote.js';
import { MEDIA, type LayerRef } from './types.js';

export interface PushOptions {
  auth?: RegistryAuth | undefined;
  progress: ProgressSink;
  /** The aux message Docker sends after each tag (its content trust signs from it). */
  aux: (value: { Tag: string; Digest: string; Size: number }) => void;
  signal: AbortSignal;
}

/** Docker's `max-concurrent-uploads`. */
const UPLOADS = 5;

/** `name` and `tag` of the push request, as moby builds the reference (RepoTagReference). */
export function pushReference(name: string, tag: string): ImageReference {
  const ref = parseReference(name);
  if (tag === '') return ref;
  if (!isValidTag(tag)) throw invalidArgument('invalid tag format');
  if (ref.digest !== undefined) throw invalidArgument('cannot push a digest reference');
  return { domain: ref.domain, path: ref.path, name: ref.name, tag };
}

export class ImagePusher {
  constructor(
    private readonly deps: DistributionDeps,
    private readonly images: ImageService,
    /** daemon.json's `push-compression`, read at each push. */
    private readonly compression: () => PushCompression,
  ) {}

  async push(ref: ImageReference, opts: PushOptions): Promise<void> {
    opts.progress({ status: `The push refers to repository [${ref.name}]` });
    const named = this.deps.records.all().flatMap((r) => this.deps.records.refsOf(r.id).map((s) => ({ ref: parseReference(s), id: r.id })));
    const ofRepo = named.filter((x) => x.ref.name === ref.name);
    if (ofRepo.length === 0) throw new BerthError('NotFound', `An image does not exist locally with the tag: ${familiarName(ref)}`);
    let targets: { tag: string; id: Digest }[];
    if (ref.digest !== undefined) throw invalidArgument('cannot push a digest reference');
    if (ref.tag !== undefined) {
      const id = this.deps.records.lookupRef(fullString(ref));
      if (!id) throw new BerthError('NotFound', `tag does not exist: ${familiarString(ref)}`);
      targets = [{ tag: ref.tag, id }];
    } else {
      targets = ofRepo.filter((x) => x.ref.tag !== undefined && x.ref.digest === undefined).map((x) => ({ tag: x.ref.tag!, id: x.id }));
      targets.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
      if (targets.length === 0) throw new BerthError('NotFound', `no tags to push for ${familiarName(ref)}`);
    }
    try {
      const repo = await this.deps.remote.openRepository(ref.domain, ref.path, { auth: opts.auth, push: true, signal: opts.signal });
      const compression = this.compression();
      for (const t of targets) await this.pushTag(repo, ref, t.tag, t.id, compression, opts);
    } catch (err) {
      throw err instanceof BerthError ? engineError(err) : err;
    }
    this.deps.emit({ action: 'push', id: familiarString(ref), name: familiarName(ref) });
  }

  private async pushTag(repo: RemoteRepository, ref: ImageReference, tag: string, id: Digest, compression: PushCompression, opts: PushOptions): Promise<void> {
    await this.images.gcLock.shared(async () => {
      const img = await this.images.image(id);
      const layers = [...img.record.layers] as LayerRef[];
      const pushed = await this.pushLayers(repo, layers, compression, opts);
      const config = await this.deps.content.read(id);
      if ((await repo.statBlob(id, opts.signal)) === undefined) {
        await repo.uploadBlob(() => Readable.from([config]), () => id, { signal: opts.signal });
      }
      const docker = compression === 'gzip';
      const manifest = {
        schemaVersion: 2,
        mediaType: docker ? MEDIA.dockerManifest : MEDIA.ociManifest,
        config: { mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig, size: config.length, digest: id },
        layers: pushed.map((b) => ({ mediaType: b.mediaType, size: b.size, digest: b.digest })),
      };
      // Indented as Go's MarshalIndent with three spaces, as distribution's schema2 builder does.
      const bytes = Buffer.from(JSON.stringify(manifest, null, 3));
      const digest = await repo.putManifest(tag, manifest.mediaType, bytes, opts.signal);
      opts.progress({ status: `${tag}: digest: ${digest} size: ${bytes.length}` });
      const digestRef = `${ref.name}@${digest}`;
      if (this.deps.records.lookupRef(digestRef) === undefined) await this.deps.records.setRefs(id, [digestRef]);
      opts.aux({ Tag: tag, Digest: digest, Size: bytes.length });
    });
  }

  /** Layers top first, as Docker lists them, five at a time; the manifest wants them bottom first. */
  private async pushLayers(repo: RemoteRepository, layers: LayerRef[], compression: PushCompression, opts: PushOptions): Promise<PushedBlob[]> {
    const report = (l: LayerRef) => (status: string, current?: number, total?: number) =>
      opts.progress({ id: shortId(l.diffId), status, ...(current !== undefined ? { current } : {}), ...(total !== undefined ? { total } : {}) });
    const jobs: LayerRef[] = [];
    for (const layer of [...layers].reverse()) {
      if (jobs.some((j) => j.diffId === layer.diffId)) continue;
      report(layer)('Preparing');
      jobs.push(layer);
    }
    for (const [n, layer] of jobs.entries()) if (n >= UPLOADS) report(layer)('Waiting');
    const pushed = await mapBounded(jobs, UPLOADS, opts.signal, (layer, signal) => pushLayer(this.deps, repo, layer, compression, report(layer), signal));
    const byDiff = new Map(jobs.map((l, i) => [l.diffId, pushed[i]!]));
    return layers.map((l) => byDiff.get(l.diffId)!);
  }
}
