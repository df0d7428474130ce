/**
 * New layers without a tar on disk: files land in the layer's staging directory and the layer's
 * tar is only hashed (its diff ID) and described by a tar split (headers and padding; payloads
 * point at the files), so `save` and `push` can rebuild the exact bytes later.
 *
 * Two ways in: `composeLayer` copies planned entries into an empty directory (COPY/ADD; each
 * file is copied by the kernel while the same bytes are hashed here), `describeDirectory`
 * describes a directory already filled (a RUN container's writable layer, moved in).
 */
import type { Hash } from 'node:crypto';
import { createHash } from '../../base/crypto.js';
import { chmod, copyFile, lchown, lstat, lutimes, open, readdir, readlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { TarSplitter } from '../../base/tar/index.js';
import { lgetxattr, llistxattr, lremovexattr } from '../../base/libc.js';
import { padding, tarHeader, TAR_TRAILER, type TarEntry } from './tar-header.js';
import type { LayerTarget, WrittenLayer } from './types.js';

const OPAQUE = 'trusted.overlay.opaque';

/** The layer tar as it would be streamed: hashed and split, never stored. */
class LayerStream {
  private readonly hash: Hash = createHash('sha256');
  private readonly splitter = new TarSplitter();
  private readonly slots: string[] = [];
  private readonly sizes: number[] = [];
  private content = 0;

  constructor(private readonly target: LayerTarget) {}

  private push(chunk: Buffer): void {
    this.hash.update(chunk);
    this.splitter.push(chunk);
  }

  header(e: TarEntry): void {
    this.push(tarHeader(e));
  }

  /** A file's payload: `read` feeds its bytes (exactly e.size of them) through `push`. */
  async payload(e: TarEntry, diskPath: string, read: (push: (b: Buffer) => void) => Promise<number>): Promise<void> {
    this.header(e);
    if (e.size === 0) return;
    const n = await read((b) => this.push(b));
    if (n !== e.size) throw new Error(`${e.path}: read ${n} bytes, expected ${e.size} (changed while copied)`);
    this.push(padding(e.size));
    this.slots.push(relative(dirname(this.target.splitPath), diskPath));
    this.sizes.push(e.size);
    this.content += e.size;
  }

  finish(): WrittenLayer {
    this.push(TAR_TRAILER);
    this.splitter.finish(this.target.splitPath, this.slots, this.sizes);
    return { diffId: `sha256:${this.hash.digest('hex')}`, tarBytes: this.splitter.total, contentBytes: this.content };
  }
}

/**
 * Reads a file through one reused 1 MiB buffer into `push` (which must be done with each chunk
 * when it returns); returns the bytes read. Several times faster than a read stream, which
 * allocates a buffer per chunk.
 */
export async function readInto(path: string, push: (b: Buffer) => void): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return n;
      push(buf.subarray(0, bytesRead));
      n += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/** A planned layer entry: what the tar says, and for files where the bytes come from. */
export interface ComposedEntry extends TarEntry {
  /** Regular files: the source to copy from. */
  src?: string;
}

/**
 * Writes planned entries into `target.dir` (directories, symlinks and special files are already
 * there: `prepared` lists every entry in any order) and describes the layer. Files are copied and
 * hashed in tar order; owners, modes and times are applied last, directories after their contents.
 */
export async function composeLayer(target: LayerTarget, prepared: readonly ComposedEntry[], signal?: AbortSignal): Promise<WrittenLayer> {
  const out = new LayerStream(target);
  const ordered = tarOrder(prepared);
  for (const e of ordered) {
    signal?.throwIfAborted();
    const disk = join(target.dir, e.path);
    if (e.type !== 'file' || e.src === undefined) {
      out.header(e);
      continue;
    }
    const src = e.src;
    const copying = copyFile(src, disk);
    await out.payload(e, disk, (push) => readInto(src, push));
    await copying;
    await applyMeta(disk, e);
  }
  for (const e of [...ordered].reverse()) if (e.type !== 'file') await applyMeta(join(target.dir, e.path), e);
  return out.finish();
}

async function applyMeta(path: string, e: TarEntry): Promise<void> {
  await lchown(path, e.uid, e.gid);
  if (e.type !== 'symlink') await chmod(path, e.mode & 0o7777);
  await lutimes(path, e.mtimeSeconds, e.mtimeSeconds);
}

/** Depth-first, siblings by byte order of their names: parents before their contents. */
export function tarOrder<T extends TarEntry>(entries: readonly T[]): T[] {
  const key = (p: string): Buffer[] => p.split('/').map((s) => Buffer.from(s));
  return [...entries].sort((a, b) => {
    const ka = key(a.path);
    const kb = key(b.path);
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      const c = Buffer.compare(ka[i]!, kb[i]!);
      if (c !== 0) return c;
    }
    return ka.length - kb.length;
  });
}

/**
 * Describes a directory in the snapshot format (overlay whiteouts: 0/0 character devices and
 * opaque directories) as an OCI layer, reading each file once. Overlay's bookkeeping xattrs other
 * than opacity are dropped from the files, since the directory becomes a lower layer as it is.
 */
export async function describeDirectory(target: LayerTarget, signal?: AbortSignal): Promise<WrittenLayer> {
  const out = new LayerStream(target);
  const firstLink = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    const dir = rel === '' ? target.dir : join(target.dir, rel);
    const listed = await Promise.all(
      (await readdir(dir)).map(async (name) => {
        const st = await lstat(join(dir, name));
        const whiteout = st.isCharacterDevice() && st.rdev === 0;
        return { name, st, whiteout, key: Buffer.from(whiteout ? `.wh.${name}` : name) };
      }),
    );
    listed.sort((a, b) => Buffer.compare(a.key, b.key));
    for (const { name, st, whiteout } of listed) {
      signal?.throwIfAborted();
      const path = rel === '' ? name : `${rel}/${name}`;
      const disk = join(target.dir, path);
      const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtimeSeconds: Math.floor(st.mtimeMs / 1000) };
      if (whiteout) {
        out.header({ ...base, path: rel === '' ? `.wh.${name}` : `${rel}/.wh.${name}`, type: 'file', mode: 0o600 });
        continue;
      }
      const xattrs = xattrsOf(disk);
      const withX = xattrs ? { xattrs } : {};
      if (st.isDirectory()) {
        out.header({ ...base, ...withX, path, type: 'directory' });
        if (lgetxattr(disk, OPAQUE)?.toString() === 'y') out.header({ ...base, path: `${path}/.wh..wh..opq`, type: 'file' });
        await walk(path);
      } else if (st.isSymbolicLink()) {
        out.header({ ...base, ...withX, path, type: 'symlink', linkname: await readlink(disk) });
      } else if (st.isFile()) {
        const inode = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? firstLink.get(inode) : undefined;
        if (first !== undefined) {
          out.header({ ...base, ...withX, path, type: 'link', linkname: first });
          continue;
        }
        if (st.nlink > 1) firstLink.set(inode, path);
        await out.payload({ ...base, ...withX, path, type: 'file', size: st.size }, disk, (push) => readInto(disk, push));
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        out.header({ ...base, ...withX, path, type: st.isCharacterDevice() ? 'char' : 'block', devmajor: major(st.rdev), devminor: minor(st.rdev) });
      } else if (st.isFIFO()) {
        out.header({ ...base, ...withX, path, type: 'fifo' });
      }
      // Sockets cannot be archived (GNU tar and go-archive skip them too).
    }
  };
  await walk('');
  return out.finish();
}

/** The file's xattrs for its tar header; overlay's own are removed from the file (opacity stays, as a marker). */
function xattrsOf(path: string): Record<string, Buffer> | undefined {
  let names: string[];
  try {
    names = llistxattr(path);
  } catch {
    return undefined;
  }
  const out: Record<string, Buffer> = {};
  for (const n of names) {
    if (n.startsWith('trusted.overlay.')) {
      if (n !== OPAQUE) lremovexattr(path, n);
      continue;
    }
    const v = lgetxattr(path, n);
    if (v) out[n] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & ~0xff);
}
