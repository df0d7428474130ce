/**
 * Writes a directory tree as a layer tar, deterministically (entries sorted by name, numeric
 * owners, whole-second mtimes, no atime/ctime), so the same tree always hashes to the same diff
 * ID. With `whiteouts: 'overlay'` an overlay upper dir becomes an OCI layer: 0/0 character devices
 * become `.wh.<name>` markers and opaque directories get a `.wh..wh..opq` entry (go-archive's
 * overlayWhiteoutConverter.ConvertWrite); overlay's own `trusted.overlay.*` xattrs are dropped.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import { createReadStream, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { lgetxattr, llistxattr } from '../libc.js';

export interface LayerWriteOptions {
  whiteouts: 'overlay' | 'none';
  /** Paths (relative, no leading slash) to leave out, e.g. bind-mount placeholders. */
  exclude?: ReadonlySet<string>;
  signal?: AbortSignal;
}

const OPAQUE = 'trusted.overlay.opaque';

type HeaderArg = Parameters<tar.Pack['entry']>[0];

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & ~0xff);
}

function xattrsOf(path: string): Record<string, string> | undefined {
  let names: string[];
  try {
    names = llistxattr(path);
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const n of names) {
    if (n.startsWith('trusted.overlay.')) continue;
    const v = lgetxattr(path, n);
    if (v) out[`SCHILY.xattr.${n}`] = v.toString('latin1');
  }
  return Object.keys(out).length ? out : undefined;
}

/** Streams `root` as a tar into `out`; resolves when everything is written. */
export async function writeLayerTar(root: string, out: Writable, opts: LayerWriteOptions): Promise<void> {
  const pack = tar.pack();
  const piping = pipeline(pack, out, opts.signal ? { signal: opts.signal } : {});
  piping.catch(() => {});
  const inodes = new Map<string, string>();
  const entry = (header: HeaderArg, data?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const cb = (err?: unknown): void => (err ? reject(err as Error) : resolve());
      // A file entry given no buffer waits for its body to be streamed: empty ones get an empty buffer.
      if (data || header.type === 'file') pack.entry(header, data ?? Buffer.alloc(0), cb);
      else pack.entry(header, cb);
    });

  const base = (name: string, st: Stats): HeaderArg => ({
    name,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
  });

  const walk = async (rel: string): Promise<void> => {
    const dir = join(root, rel);
    // Sorted by the name each entry is written under, so whiteout markers (`.wh.x`) come before
    // their siblings, as the image spec asks of writers.
    const listed = await Promise.all(
      (await readdir(dir)).map(async (name) => {
        const st = await lstat(join(dir, name));
        const whiteout = opts.whiteouts === 'overlay' && st.isCharacterDevice() && st.rdev === 0;
        return { name, st, key: Buffer.from(whiteout ? `.wh.${name}` : name) };
      }),
    );
    listed.sort((a, b) => Buffer.compare(a.key, b.key));
    for (const { name, st } of listed) {
      opts.signal?.throwIfAborted();
      const relPath = rel ? `${rel}/${name}` : name;
      if (opts.exclude?.has(relPath)) continue;
      const path = join(root, relPath);
      const xattrs = xattrsOf(path);
      const h = base(relPath, st);
      if (xattrs) h.pax = xattrs;
      if (st.isDirectory()) {
        await entry({ ...h, name: relPath + '/', type: 'directory' });
        if (opts.whiteouts === 'overlay' && lgetxattr(path, OPAQUE)?.toString() === 'y') {
          await entry({ ...base(`${relPath}/.wh..wh..opq`, st), type: 'file', size: 0 });
        }
        await walk(relPath);
      } else if (st.isCharacterDevice() && st.rdev === 0 && opts.whiteouts === 'overlay') {
        const parent = rel ? `${rel}/` : '';
        // go-archive keeps the device's owner and mtime and sets mode 0600.
        await entry({ ...base(`${parent}.wh.${name}`, st), mode: 0o600, type: 'file', size: 0 });
      } else if (st.isSymbolicLink()) {
        await entry({ ...h, type: 'symlink', linkname: await readlink(path) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? inodes.get(key) : undefined;
        if (first !== undefined) {
          await entry({ ...h, type: 'link', linkname: first, size: 0 });
          continue;
        }
        if (st.nlink > 1) inodes.set(key, relPath);
        const sink = pack.entry({ ...h, type: 'file', size: st.size });
        await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), sink);
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await entry({ ...h, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
      } else if (st.isFIFO()) {
        await entry({ ...h, type: 'fifo' });
      }
      // Sockets are not archivable, as in GNU tar and go-archive.
    }
  };
  try {
    await walk('');
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  await piping;
}
