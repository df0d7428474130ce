import { hexOf, isDigest, shortId, type Digest } from '../base/digest.js';
import { BerthError, conflict, invalidArgument, notFound } from '../base/errors.js';
import { FilterArgs, parseTimestamp } from '../base/filters.js';
import type { Logger } from '../base/log.js';
import { RwLock } from '../base/lock.js';
import type { ContentStore } from '../content/index.js';
import type { Snapshotter } from '../snapshots/index.js';
import { collectGarbage, type GcResult } from './gc.js';
import type { ImageRecordStore } from './image-store.js';
import { familiarString, fullString, matchesReferenceFilter, normalize, parseReference, type ImageReference } from './reference.js';
import type { Image, ImageConfigJson, ImageRecord } from './types.js';
import { thaw } from '../base/record-table.js';

/** An image event for `GET /events` (action as Docker names it). */
export interface ImageEvent {
  action: 'load' | 'save' | 'tag' | 'untag' | 'delete' | 'import' | 'pull' | 'push';
  id: string;
  name?: string;
}

/** Who uses an image; containers implement it once they exist. */
export interface ImageUsage {
  containersUsing(id: Digest): { id: string; running: boolean }[];
  /** Layers held by containers even after their image is deleted (`rmi -f`). */
  layersInUse(): Iterable<Digest>;
}

export interface ImageServiceDeps {
  content: ContentStore;
  snapshots: Snapshotter;
  records: ImageRecordStore;
  log: Logger;
  emit: (e: ImageEvent) => void;
  usage?: ImageUsage;
  /** Told which layers images still hold after each collection (what pushes know of blobs). */
  afterGc?: (liveLayers: Set<string>) => Promise<void>;
}

export type DeleteItem = { Untagged: string } | { Deleted: string };

export interface HistoryItem {
  id: string;
  created: number;
  createdBy: string;
  tags: string[];
  size: number;
  comment: string;
}

const LIST_FILTERS = ['dangling', 'label', 'reference', 'before', 'since', 'until'] as const;
const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'] as const;

/** Images: lookup, listing, tags, deletion and garbage collection over the stores. */
export class ImageService {
  /** Held shared by anything writing blobs or layers, exclusively by GC. */
  readonly gcLock = new RwLock();
  private readonly configs = new Map<Digest, ImageConfigJson>();

  constructor(private readonly deps: ImageServiceDeps) {}

  /** Containers are built on images, so the daemon tells images about them after both exist. */
  setUsage(usage: ImageUsage): void {
    this.deps.usage = usage;
  }

  /** Sweeps what a crash left behind and collects garbage; call once at startup. */
  async recover(): Promise<GcResult> {
    await this.deps.content.sweepIngests();
    await this.deps.snapshots.sweepStaging();
    return this.gc();
  }

  async gc(): Promise<GcResult> {
    return this.gcLock.exclusive(async () => {
      const result = await collectGarbage({ ...this.deps, extraLayerRoots: () => this.deps.usage?.layersInUse() ?? [] });
      await this.deps.afterGc?.(new Set(this.deps.records.all().flatMap((r) => r.layers.map((l) => l.diffId))));
      return result;
    });
  }

  async image(id: Digest): Promise<Image> {
    const record = this.deps.records.get(id);
    if (!record) throw notFound(`No such image: ${id}`, 'BERTH_ERR_NO_SUCH_IMAGE');
    let config = this.configs.get(id);
    if (!config) {
      config = JSON.parse((await this.deps.content.read(id)).toString('utf8')) as ImageConfigJson;
      this.configs.set(id, config);
    }
    const refs = this.deps.records.refsOf(id).map((r) => parseReference(r));
    const tagTimes = this.deps.records.refsOf(id).map((r) => this.deps.records.tagTime(r) ?? '');
    const lastTagTime = tagTimes.sort().at(-1);
    return {
      id,
      record,
      config,
      repoTags: refs.filter((r) => r.tag !== undefined && r.digest === undefined).map(familiarString),
      repoDigests: refs.filter((r) => r.digest !== undefined).map(familiarString),
      size: record.layers.reduce((n, l) => n + l.unpackedSize, 0),
      ...(lastTagTime ? { lastTagTime } : {}),
    };
  }

  /**
   * Resolves what a user typed, as moby's GetImage: a full ID or `sha256:` ID, a name (with or
   * without tag/digest), else a unique ID prefix.
   */
  async resolve(refOrId: string): Promise<Image> {
    const missing = (): BerthError => notFound(`No such image: ${refOrId}`, 'BERTH_ERR_NO_SUCH_IMAGE');
    if (isDigest(refOrId) || /^[a-f0-9]{64}$/.test(refOrId)) {
      const id = (refOrId.startsWith('sha256:') ? refOrId : `sha256:${refOrId}`) as Digest;
      if (this.deps.records.get(id)) return this.image(id);
      throw missing();
    }
    // moby's GetImage: what is not an ID must parse as a reference ("invalid reference format").
    const ref: ImageReference = normalize(parseReference(refOrId));
    const id = this.deps.records.lookupRef(fullString(ref));
    if (id) return this.image(id);
    const prefix = refOrId.replace(/^sha256:/, '');
    if (/^[a-f0-9]{1,63}$/.test(prefix)) {
      const hits = this.deps.records.all().filter((r) => hexOf(r.id).startsWith(prefix));
      if (hits.length === 1) return this.image(hits[0]!.id);
      if (hits.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${prefix}`);
    }
    throw notFound(`No such image: ${familiarString(ref)}`, 'BERTH_ERR_NO_SUCH_IMAGE');
  }

  async list(filters: FilterArgs, all = false): Promise<Image[]> {
    filters.validate(LIST_FILTERS);
    const images = await Promise.all(this.deps.records.all().map((r) => this.image(r.id)));
    const parents = new Set(images.map((i) => i.record.parent).filter((p): p is Digest => p !== undefined));
    const dangling = filters.bool('dangling');
    const before = await this.boundTime(filters.get('before'));
    const since = await this.boundTime(filters.get('since'));
    const until = filters.get('until').map((u) => parseTimestamp(u));
    const patterns = filters.get('reference');
    return images
      .filter((img) => {
        const untagged = img.repoTags.length === 0 && img.repoDigests.length === 0;
        if (!all && untagged && parents.has(img.id) && dangling === undefined) return false;
        // moby lists only heads (images without children) for dangling=true.
        if (dangling === true && parents.has(img.id)) return false;
        if (dangling !== undefined && (img.repoTags.length === 0) !== dangling) return false;
        if (!filters.matchLabels('label', img.config.config?.Labels)) return false;
        const created = createdMs(img);
        if (before !== undefined && !(created < before)) return false;
        if (since !== undefined && !(created > since)) return false;
        if (until.some((u) => !(created < u))) return false;
        if (patterns.length > 0) {
          const refs = this.deps.records.refsOf(img.id).map((r) => parseReference(r));
          const matching = refs.filter((r) => patterns.some((p) => matchesReferenceFilter(r, p)));
          if (matching.length === 0) return false;
          // Like moby, only the references that matched are reported.
          img.repoTags = matching.filter((r) => r.tag !== undefined && r.digest === undefined).map(familiarString);
          img.repoDigests = matching.filter((r) => r.digest !== undefined).map(familiarString);
        }
        return true;
      })
      .sort((a, b) => createdMs(b) - createdMs(a));
  }

  private async boundTime(values: string[]): Promise<number | undefined> {
    if (values.length === 0) return undefined;
    const img = await this.resolve(values[values.length - 1]!);
    return createdMs(img);
  }

  private isNameOf(refOrId: string, id: Digest): boolean {
    try {
      return this.deps.records.lookupRef(fullString(normalize(parseReference(refOrId)))) === id;
    } catch {
      return false;
    }
  }

  async history(refOrId: string): Promise<HistoryItem[]> {
    const img = await this.resolve(refOrId);
    const layers = img.record.layers;
    let layerIndex = 0;
    const entries = (img.config.history ?? []).map((h) => {
      const size = h.empty_layer ? 0 : (layers[layerIndex++]?.unpackedSize ?? 0);
      return { h, size };
    });
    if (entries.length === 0) entries.push(...layers.map((l) => ({ h: {}, size: l.unpackedSize })));
    // moby's ImageHistory: each entry, newest first, gets the next image up the chain of local
    // parents (a build's intermediate images) while there is one.
    const chain: Image[] = [];
    for (let cur: Image | undefined = img; cur !== undefined && chain.length < entries.length; ) {
      chain.push(cur);
      const parent: Digest | undefined = cur.record.parent;
      cur = parent !== undefined && this.deps.records.get(parent) ? await this.image(parent) : undefined;
    }
    const out = entries.reverse().map(({ h, size }, i) => ({
      id: chain[i]?.id ?? '<missing>',
      created: Math.floor(Date.parse(h.created ?? img.config.created ?? '') / 1000) || 0,
      createdBy: h.created_by ?? '',
      tags: chain[i]?.repoTags ?? [],
      size,
      comment: h.comment ?? '',
    }));
    return out;
  }

  /** Points `repo:tag` at the image; Docker defaults the tag to `latest`. */
  async tag(source: string, repo: string, tag: string | undefined): Promise<void> {
    const img = await this.resolve(source);
    if (tag !== undefined && tag !== '' && !/^[\w][\w.-]{0,127}$/.test(tag)) throw invalidArgument(`invalid tag format`);
    const parsed = parseReference(tag ? `${repo}:${tag}` : repo);
    if (parsed.digest !== undefined) throw invalidArgument('refusing to create a tag with a digest reference');
    const ref = normalize(parsed);
    await this.deps.records.setRefs(img.id, [fullString(ref)]);
    this.deps.emit({ action: 'tag', id: img.id, name: familiarString(ref) });
  }

  /**
   * `docker rmi`: untag, or delete when the last reference goes (moby's ImageDelete rules); with
   * `prune` (the default) the untagged parents nothing else uses go too, as after a build.
   */
  async remove(refOrId: string, force: boolean, prune = true): Promise<DeleteItem[]> {
    const out = await this.delete(refOrId, force, prune);
    await this.gc();
    return out;
  }

  private async delete(refOrId: string, force: boolean, prune: boolean): Promise<DeleteItem[]> {
    const img = await this.resolve(refOrId);
    const out: DeleteItem[] = [];
    const byId = !this.isNameOf(refOrId, img.id);
    const users = this.deps.usage?.containersUsing(img.id) ?? [];
    const refs = this.deps.records.refsOf(img.id);
    const hasChildren = this.children(img.id).length > 0;
    if (!byId) {
      const ref = normalize(parseReference(refOrId));
      const full = fullString(ref);
      if (isSingleReference(refs) && users.length > 0 && !force) {
        throw conflict(
          `conflict: unable to remove repository reference "${refOrId}" (must force) - container ${shortId(users[0]!.id)} is using its referenced image ${shortId(img.id)}`,
        );
      }
      await this.deps.records.removeRef(full);
      out.push({ Untagged: familiarString(ref) });
      this.deps.emit({ action: 'untag', id: img.id, name: familiarString(ref) });
      const remaining = await this.dropOrphanDigests(ref, refs.filter((r) => r !== full), out);
      // An image with children stays, untagged: a build's intermediate image.
      if (remaining.length > 0 || users.length > 0 || hasChildren) return out;
    } else {
      if (hasChildren) throw conflict(`conflict: unable to delete ${shortId(img.id)} (cannot be forced) - image has dependent child images`);
      const repos = new Set(refs.map((r) => parseReference(r).name));
      if (repos.size > 1 && !force) {
        throw conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is referenced in multiple repositories`);
      }
      const running = users.find((u) => u.running);
      if (running) {
        throw conflict(`conflict: unable to delete ${shortId(img.id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`);
      }
      if (users.length > 0 && !force) {
        throw conflict(`conflict: unable to delete ${shortId(img.id)} (must be forced) - image is being used by stopped container ${shortId(users[0]!.id)}`);
      }
      for (const r of refs) {
        const parsed = parseReference(r);
        out.push({ Untagged: familiarString(parsed) });
        this.deps.emit({ action: 'untag', id: img.id, name: familiarString(parsed) });
      }
    }
    await this.forget(img.id, out);
    if (prune) await this.pruneParents(img.record.parent, out);
    return out;
  }

  /**
   * moby: once a repository's last tag on an image is removed, the digest references of that
   * repository (what a pull or push recorded) go with it. Returns the references left.
   */
  private async dropOrphanDigests(removed: ImageReference, left: string[], out: DeleteItem[]): Promise<string[]> {
    if (removed.digest !== undefined) return left;
    const parsed = left.map((r) => ({ r, p: parseReference(r) }));
    if (parsed.some((x) => x.p.digest === undefined && x.p.name === removed.name)) return left;
    const kept: string[] = [];
    for (const x of parsed) {
      if (x.p.digest === undefined || x.p.name !== removed.name) {
        kept.push(x.r);
        continue;
      }
      await this.deps.records.removeRef(x.r);
      out.push({ Untagged: familiarString(x.p) });
    }
    return kept;
  }

  private async forget(id: Digest, out: DeleteItem[]): Promise<void> {
    await this.deps.records.delete(id);
    this.configs.delete(id);
    out.push({ Deleted: id });
    this.deps.emit({ action: 'delete', id });
  }

  /** Deletes untagged ancestors that no other image or container uses (moby's quiet parent pruning). */
  private async pruneParents(parent: Digest | undefined, out: DeleteItem[]): Promise<void> {
    for (let id = parent; id !== undefined; ) {
      const rec = this.deps.records.get(id);
      if (!rec || this.deps.records.refsOf(id).length > 0 || this.children(id).length > 0) return;
      if ((this.deps.usage?.containersUsing(id).length ?? 0) > 0) return;
      const next = rec.parent;
      await this.forget(id, out);
      id = next;
    }
  }

  /**
   * Images whose local parent is `id`; for `''`, the locally built images without one (steps
   * built FROM scratch), as moby's builder cache asks.
   */
  children(id: Digest | ''): Digest[] {
    return this.deps.records
      .all()
      .filter((r) => (id === '' ? r.parent === undefined && r.builtLocally === true : r.parent === id))
      .map((r) => r.id);
  }

  /** Whether `ancestor` is on `child`'s chain of local parents (not `child` itself). */
  hasAncestor(child: Digest, ancestor: Digest): boolean {
    const seen = new Set<string>();
    for (let id = this.deps.records.get(child)?.parent; id !== undefined && !seen.has(id); id = this.deps.records.get(id)?.parent) {
      if (id === ancestor) return true;
      seen.add(id);
    }
    return false;
  }

  /** Makes `parent` the local parent of `id` (the builder adopting a `--cache-from` image). */
  async setParent(id: Digest, parent: Digest): Promise<void> {
    const rec = this.deps.records.get(id);
    if (!rec || rec.parent === parent) return;
    await this.deps.records.put({ ...thaw<ImageRecord>(rec), parent });
  }

  /**
   * `docker image prune`: untagged images without children (and with `dangling=false` every
   * image no container uses), each with the untagged parents only it kept (moby's ImagesPrune).
   */
  async prune(filters: FilterArgs): Promise<{ deleted: DeleteItem[]; reclaimed: number }> {
    filters.validate(PRUNE_FILTERS);
    const danglingOnly = filters.bool('dangling') ?? true;
    const until = filters.get('until').map((u) => parseTimestamp(u));
    const deleted: DeleteItem[] = [];
    const images = await Promise.all(this.deps.records.all().map((r) => this.image(r.id)));
    const parents = new Set(images.map((i) => i.record.parent).filter((p): p is Digest => p !== undefined));
    for (const img of images) {
      const refs = this.deps.records.refsOf(img.id);
      if (parents.has(img.id) && (danglingOnly || refs.length === 0)) continue;
      if (!filters.matchLabels('label', img.config.config?.Labels)) continue;
      if (filters.has('label!') && !notLabels(filters.get('label!'), img.config.config?.Labels)) continue;
      if (until.some((u) => !(createdMs(img) < u))) continue;
      if (!this.deps.records.get(img.id)) continue;
      const tagged = refs.some((r) => parseReference(r).tag !== undefined && parseReference(r).digest === undefined);
      if (danglingOnly && tagged) continue;
      const names = refs.length > 0 ? refs : [hexOf(img.id)];
      for (const name of names) {
        if (!this.deps.records.get(img.id)) break;
        try {
          deleted.push(...(await this.delete(refs.length > 0 ? familiarString(parseReference(name)) : name, false, true)));
        } catch (err) {
          if (err instanceof BerthError && err.kind === 'Conflict') break;
          throw err;
        }
      }
    }
    const gc = await this.gc();
    return { deleted, reclaimed: gc.bytesReclaimed };
  }

  /** The image's layer dirs, bottom first (for GraphDriver data and, later, rootfs mounts). */
  async layerDirs(img: Image): Promise<string[]> {
    const dirs: string[] = [];
    for (const l of img.record.layers) {
      const snap = await this.deps.snapshots.get(l.diffId);
      if (snap) dirs.push(snap.dir);
    }
    return dirs;
  }

  /** Total unpacked size of every layer stored, and how many images share each. */
  async usage(): Promise<{ images: Image[]; layersSize: number }> {
    const images = await Promise.all(this.deps.records.all().map((r) => this.image(r.id)));
    const layers = await this.deps.snapshots.list();
    return { images, layersSize: layers.reduce((n, l) => n + l.size, 0) };
  }
}

/** moby's isSingleReference: one repository, and at most one tag of it (digests aside). */
function isSingleReference(refs: string[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const names = new Set<string>();
  let tagged: ImageReference | undefined;
  for (const r of refs) {
    const p = parseReference(r);
    if (p.digest === undefined) {
      if (tagged) return false;
      tagged = p;
    }
    names.add(p.name);
  }
  return names.size === 1;
}

function notLabels(wanted: string[], labels: Record<string, string> | null | undefined): boolean {
  return wanted.every((w) => !new FilterArgs([['l', [w]]]).matchLabels('l', labels));
}

export function createdMs(img: Image): number {
  return Date.parse(img.config.created ?? '') || 0;
}

export { FilterArgs };
