/**
 * Source checksums for the COPY/ADD cache key, as moby's classic builder computes them
 * (builder/remotecontext lazySource + tarsum v1 headers, builder/dockerfile copy.go):
 * `file:<sum>` for one file, `dir:<sha256 of the sorted member sums joined by ",">` for a
 * directory, `multi:<…>` over several sources. A member's sum is the sha256 of its tar header
 * fields (name, mode, uid, gid, size, type, link target, security.capability; never the mtime)
 * followed by its content. Paths resolve inside the root, following symlinks there.
 */
import { createHash } from '../../base/crypto.js';
import type { Stats } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { lgetxattr } from '../../base/libc.js';
import { tarsumHeaderFields } from '../../base/tar/index.js';
import { rootRelative } from '../../base/slash-path.js';
import { relativeTo, scopedPath } from './scoped-path.js';

/** Computes and remembers member sums below one root (moby's lazySource); not for concurrent roots. */
export class SourceHasher {
  private readonly sums = new Map<string, Promise<string>>();

  /**
   * `known`: member sums of regular files computed when the root was extracted (root-relative
   * names), so their contents need not be read again.
   */
  constructor(
    readonly root: string,
    private readonly known?: ReadonlyMap<string, string>,
  ) {}

  /**
   * The sum of `path` (root-relative; symlinks followed inside the root). A path that does not
   * exist hashes to its own relative name, as in moby (a broken symlink in a directory).
   */
  async hash(path: string): Promise<string> {
    const full = await scopedPath(this.root, rootRelative(path));
    const rel = relativeTo(this.root, full);
    let st: Stats;
    try {
      st = await lstat(full);
    } catch {
      return rel;
    }
    let sum = this.sums.get(rel);
    const known = st.isFile() ? this.known?.get(rel) : undefined;
    if (sum === undefined && known !== undefined) {
      sum = Promise.resolve(known);
      this.sums.set(rel, sum);
    }
    if (sum === undefined) {
      sum = memberSum(full, rel, st);
      this.sums.set(rel, sum);
    }
    return sum;
  }

  /** `file:<sum>` for a file, `dir:<sum>` over a directory's members; throws ENOENT when missing. */
  async sourceChecksum(path: string): Promise<string> {
    const full = await scopedPath(this.root, rootRelative(path));
    const st = await lstat(full);
    if (!st.isDirectory()) return `file:${await this.hash(path)}`;
    return hashStrings('dir', await this.walk(full));
  }

  /** Sums of everything below (and including) the directory `full`, sorted. */
  private async walk(full: string): Promise<string[]> {
    const out: string[] = [];
    const visit = async (dir: string): Promise<void> => {
      const rel = relativeTo(this.root, dir);
      if (rel !== '') out.push(await this.hash(rel));
      const entries = await readdir(dir, { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const child = `${dir}/${e.name}`;
        if (e.isDirectory()) await visit(child);
        else out.push(await this.hash(relativeTo(this.root, child)));
      }
    };
    await visit(full);
    return out.sort();
  }
}

/** moby's hashStringSlice: `<prefix>:` + sha256 of the strings joined by commas. */
export function hashStrings(prefix: string, values: readonly string[]): string {
  return `${prefix}:${createHash('sha256').update(values.join(',')).digest('hex')}`;
}

/** The cache string for a COPY/ADD with these source checksums (one: itself; more: `multi:`). */
export function combinedChecksum(checksums: readonly string[]): string {
  return checksums.length === 1 ? checksums[0]! : hashStrings('multi', checksums);
}

async function memberSum(full: string, rel: string, st: Stats): Promise<string> {
  const h = createHash('sha256');
  const link = st.isSymbolicLink() ? await readlink(full) : '';
  for (const [k, v] of tarsumHeader(rel, st, link, capability(full))) h.update(k + v);
  if (st.isFile() && st.size > 0) {
    // One reused buffer: a read stream allocates one per chunk, which costs more than the hash.
    const fh = await open(full, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n; (n = (await fh.read(buf, 0, buf.length, null)).bytesRead) > 0; ) h.update(buf.subarray(0, n));
    } finally {
      await fh.close();
    }
  }
  return h.digest('hex');
}

function capability(full: string): string | undefined {
  try {
    return lgetxattr(full, 'security.capability')?.toString('latin1');
  } catch {
    return undefined;
  }
}

/**
 * tarsum's v1 header fields for a file, as Go's tar.FileInfoHeader fills them (no user/group
 * names, directories named with a trailing `/`, setuid/setgid/sticky kept in the mode).
 */
export function tarsumHeader(name: string, st: Pick<Stats, 'mode' | 'uid' | 'gid' | 'size' | 'rdev'> & { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean }, link: string, cap?: string): [string, string][] {
  const dir = st.isDirectory();
  const type = st.isFile() ? '0' : dir ? '5' : st.isSymbolicLink() ? '2' : st.isCharacterDevice() ? '3' : st.isBlockDevice() ? '4' : st.isFIFO() ? '6' : '0';
  const device = st.isCharacterDevice() || st.isBlockDevice();
  return tarsumHeaderFields({
    name: dir && !name.endsWith('/') ? `${name}/` : name,
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.isFile() ? st.size : 0,
    typeflag: type,
    linkname: link,
    devmajor: device ? major(st.rdev) : 0,
    devminor: device ? minor(st.rdev) : 0,
    ...(cap !== undefined ? { capability: cap } : {}),
  });
}

/** glibc's gnu_dev_major/minor. */
function major(dev: number): number {
  return ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
}

function minor(dev: number): number {
  return (dev & 0xff) | ((dev >>> 12) & ~0xff);
}
