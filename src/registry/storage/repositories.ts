import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../base/errors.js';
import { atomicWriteFile, ensureDir, isTempName } from '../../base/fs.js';
import { parseDigest } from '../digest.js';

/** How a manifest revision is linked: its digest and the media type it was pushed with. */
export interface Revision {
  digest: string;
  mediaType: string;
}

/**
 * Per-repository links over the global blob store, laid out like distribution's:
 * `repositories/<name>/_layers/<alg>/<hex>` (blobs the repository may serve),
 * `_manifests/revisions/<alg>/<hex>` (its manifests; the file holds the media type),
 * `_manifests/tags/<tag>` (the tag's digest) and `_referrers/<alg>/<hex>/<alg>-<hex>`
 * (manifests whose subject is that digest). Every write is a whole-file rename, so concurrent
 * pushes of the same tag leave one of the values, never a torn file.
 */
export class RepositoryLinks {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'repositories');
  }

  async init(): Promise<void> {
    await ensureDir(this.dir, 0o755);
  }

  repoDir(repo: string): string {
    return join(this.dir, ...repo.split('/'));
  }

  async exists(repo: string): Promise<boolean> {
    return (await stat(this.repoDir(repo)).catch(() => undefined))?.isDirectory() ?? false;
  }

  // --- blob links

  private layerPath(repo: string, digest: string): string {
    const d = parseDigest(digest)!;
    return join(this.repoDir(repo), '_layers', d.algorithm, d.hex);
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    return await exists(this.layerPath(repo, digest));
  }

  async linkBlob(repo: string, digest: string): Promise<void> {
    await writeLink(this.layerPath(repo, digest), '');
  }

  /** False when the repository had no such link. */
  async unlinkBlob(repo: string, digest: string): Promise<boolean> {
    return await removeFile(this.layerPath(repo, digest));
  }

  async blobLinks(repo: string): Promise<string[]> {
    return await listDigests(join(this.repoDir(repo), '_layers'));
  }

  // --- manifest revisions

  private revisionPath(repo: string, digest: string): string {
    const d = parseDigest(digest)!;
    return join(this.repoDir(repo), '_manifests', 'revisions', d.algorithm, d.hex);
  }

  async revision(repo: string, digest: string): Promise<Revision | undefined> {
    const mediaType = await readIfExists(this.revisionPath(repo, digest));
    return mediaType === undefined ? undefined : { digest, mediaType };
  }

  async linkRevision(repo: string, digest: string, mediaType: string): Promise<void> {
    await writeLink(this.revisionPath(repo, digest), mediaType);
  }

  async unlinkRevision(repo: string, digest: string): Promise<boolean> {
    return await removeFile(this.revisionPath(repo, digest));
  }

  async revisions(repo: string): Promise<string[]> {
    return await listDigests(join(this.repoDir(repo), '_manifests', 'revisions'));
  }

  /** When the revision link was last written (garbage collection spares recent pushes). */
  async revisionTime(repo: string, digest: string): Promise<number | undefined> {
    return (await stat(this.revisionPath(repo, digest)).catch(() => undefined))?.mtimeMs;
  }

  // --- tags

  private tagPath(repo: string, tag: string): string {
    return join(this.repoDir(repo), '_manifests', 'tags', tag);
  }

  async tag(repo: string, tag: string): Promise<string | undefined> {
    return await readIfExists(this.tagPath(repo, tag));
  }

  async setTag(repo: string, tag: string, digest: string): Promise<void> {
    await writeLink(this.tagPath(repo, tag), digest);
  }

  async deleteTag(repo: string, tag: string): Promise<boolean> {
    return await removeFile(this.tagPath(repo, tag));
  }

  /** Tag names, sorted. */
  async tags(repo: string): Promise<string[]> {
    const names = await readdir(join(this.repoDir(repo), '_manifests', 'tags')).catch(() => [] as string[]);
    return names.filter((n) => !isTempName(n)).sort();
  }

  // --- referrers

  private referrersDir(repo: string, subject: string): string {
    const d = parseDigest(subject)!;
    return join(this.repoDir(repo), '_referrers', d.algorithm, d.hex);
  }

  async linkReferrer(repo: string, subject: string, referrer: string): Promise<void> {
    await writeLink(join(this.referrersDir(repo, subject), referrer.replace(':', '-')), '');
  }

  async unlinkReferrer(repo: string, subject: string, referrer: string): Promise<void> {
    await removeFile(join(this.referrersDir(repo, subject), referrer.replace(':', '-')));
  }

  async referrers(repo: string, subject: string): Promise<string[]> {
    const names = await readdir(this.referrersDir(repo, subject)).catch(() => [] as string[]);
    return names.map((n) => n.replace('-', ':')).filter((d) => parseDigest(d) !== undefined);
  }

  // --- catalog

  /** Every repository name, sorted: directories holding `_manifests` or `_layers`. */
  async repositories(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      if (entries.some((e) => e.name === '_manifests' || e.name === '_layers')) out.push(prefix);
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith('_')) await walk(join(dir, e.name), prefix ? `${prefix}/${e.name}` : e.name);
      }
    };
    await walk(this.dir, '');
    return out.sort();
  }
}

async function writeLink(path: string, content: string): Promise<void> {
  await ensureDir(join(path, '..'), 0o755);
  await atomicWriteFile(path, content);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
    throw err;
  }
}

async function removeFile(path: string): Promise<boolean> {
  if (!(await exists(path))) return false;
  await rm(path, { force: true });
  return true;
}

async function listDigests(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const algorithm of ['sha256', 'sha512']) {
    for (const hex of await readdir(join(dir, algorithm)).catch(() => [] as string[])) {
      const digest = `${algorithm}:${hex}`;
      if (parseDigest(digest)) out.push(digest);
    }
  }
  return out;
}

