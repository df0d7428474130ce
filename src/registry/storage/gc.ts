import { parseManifest, isForeign, type ManifestInfo } from './manifest.js';
import { BlobStore } from './blob-store.js';
import { RepositoryLinks } from './repositories.js';

export interface GcOptions {
  dryRun: boolean;
  /** Also remove manifests no tag reaches (directly, through an index, or as a referrer). */
  deleteUntagged: boolean;
  /**
   * Blobs and manifest links written or referenced more recently than this are kept whatever
   * the marks say: they may belong to a push in progress (see garbageCollect).
   */
  graceMs: number;
  log: (line: string) => void;
}

export interface GcResult {
  marked: number;
  deletedBlobs: string[];
  deletedManifests: { repo: string; digest: string }[];
}

/**
 * Mark and sweep over a registry root, safe to run while a server is serving it:
 * - A push uploads blobs first and the manifest last. The server touches every blob it links,
 *   every blob a client HEADs and every blob a pushed manifest references (before checking that
 *   they exist), and a committed blob's mtime is its commit time; the sweep spares blobs whose
 *   mtime is within the grace period and re-reads that mtime right before deleting. A blob of a
 *   manifest being pushed is therefore either marked, or recent, or the manifest push fails
 *   cleanly with MANIFEST_BLOB_UNKNOWN (it never ends up referencing a deleted blob unless the
 *   push takes longer than the grace period between the blob check and the sweep).
 * - Uploads in progress live in `uploads/` and are never visible to the sweep.
 * - With --delete-untagged, revision links younger than the grace period are kept too, so a
 *   manifest pushed by digest just before its tag is not taken for untagged.
 */
export async function garbageCollect(root: string, opts: GcOptions): Promise<GcResult> {
  const blobs = new BlobStore(root);
  const links = new RepositoryLinks(root);
  const now = Date.now();
  const marked = new Set<string>();
  const deletedManifests: { repo: string; digest: string }[] = [];

  for (const repo of await links.repositories()) {
    const manifests = new Map<string, ManifestInfo>();
    for (const digest of await links.revisions(repo)) {
      const revision = await links.revision(repo, digest);
      const body = await blobs.readBytes(digest);
      if (!revision || !body) continue;
      try {
        manifests.set(digest, parseManifest(body, revision.mediaType));
      } catch {
        opts.log(`${repo}: skipping unparsable manifest ${digest}`);
        marked.add(digest);
      }
    }
    const kept = opts.deleteUntagged ? await reachable(repo, links, manifests, now - opts.graceMs) : new Set(manifests.keys());
    for (const [digest, info] of manifests) {
      if (!kept.has(digest)) {
        opts.log(`${repo}: manifest eligible for deletion: ${digest}`);
        deletedManifests.push({ repo, digest });
        if (!opts.dryRun) {
          await links.unlinkRevision(repo, digest);
          if (info.subject) await links.unlinkReferrer(repo, info.subject.digest, digest);
        }
        continue;
      }
      opts.log(`${repo}: marking manifest ${digest}`);
      marked.add(digest);
      for (const d of info.blobs) {
        if (isForeign(d) || marked.has(d.digest)) continue;
        opts.log(`${repo}: marking blob ${d.digest}`);
        marked.add(d.digest);
      }
    }
  }

  const deletedBlobs: string[] = [];
  for await (const digest of blobs.list()) {
    if (marked.has(digest)) continue;
    const st = await blobs.stat(digest);
    if (!st || now - st.mtimeMs < opts.graceMs) continue;
    opts.log(`blob eligible for deletion: ${digest}`);
    if (opts.dryRun) {
      deletedBlobs.push(digest);
      continue;
    }
    // Re-read right before deleting: a push may have referenced it since the mark.
    const again = await blobs.stat(digest);
    if (!again || Date.now() - again.mtimeMs < opts.graceMs) continue;
    await blobs.delete(digest);
    deletedBlobs.push(digest);
  }
  if (!opts.dryRun) await dropDanglingLinks(links, blobs, new Set(deletedBlobs));
  opts.log(`${marked.size} blobs marked, ${deletedBlobs.length} blobs and ${deletedManifests.length} manifests eligible for deletion`);
  return { marked: marked.size, deletedBlobs, deletedManifests };
}

/** Manifests a tag reaches, with index children, referrers of kept manifests and recent pushes. */
async function reachable(repo: string, links: RepositoryLinks, manifests: Map<string, ManifestInfo>, recentSince: number): Promise<Set<string>> {
  const kept = new Set<string>();
  const queue: string[] = [];
  const keep = (d: string): void => {
    if (kept.has(d) || !manifests.has(d)) return;
    kept.add(d);
    queue.push(d);
  };
  for (const tag of await links.tags(repo)) {
    const d = await links.tag(repo, tag);
    if (d) keep(d);
  }
  for (const d of manifests.keys()) {
    if (((await links.revisionTime(repo, d)) ?? 0) >= recentSince) keep(d);
  }
  let changed = true;
  while (changed) {
    while (queue.length > 0) for (const child of manifests.get(queue.pop()!)!.manifests) keep(child.digest);
    changed = false;
    for (const [d, info] of manifests) {
      if (!kept.has(d) && info.subject && kept.has(info.subject.digest)) {
        keep(d);
        changed = true;
      }
    }
  }
  return kept;
}

/** Links to deleted blobs, unless the blob was uploaded again meanwhile. */
async function dropDanglingLinks(links: RepositoryLinks, blobs: BlobStore, deleted: Set<string>): Promise<void> {
  if (deleted.size === 0) return;
  for (const repo of await links.repositories()) {
    for (const digest of await links.blobLinks(repo)) {
      if (deleted.has(digest) && !(await blobs.stat(digest))) await links.unlinkBlob(repo, digest);
    }
  }
}
