/**
 * What a COPY/ADD writes where, with which owner and mode: Docker's copy rules as a plan the
 * executor applies to a rootfs (it does the writing, through a scoped resolver of its own).
 *  - a directory source copies its contents, not itself, into the destination;
 *  - a file goes to `dest/<name>` when dest ends with `/` or is an existing directory, else to dest;
 *  - a symlink named as a source is followed (its target's content, under the symlink's name);
 *    symlinks inside a copied directory are copied as symlinks;
 *  - relative destinations are relative to WORKDIR; missing parents are created 0755;
 *  - owner 0:0, or --chown, or the source's own for COPY --from without --chown;
 *  - ADD extracts local tar archives (plain or compressed) into the destination instead.
 */
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { looksLikeTar, detectCompression } from '../../base/compression.js';
import { invalidArgument } from '../../base/errors.js';
import type { Identity } from './chown.js';
import type { CopySource } from './copy-sources.js';
import { decompress, readHead } from './decompress.js';
import { cleanPath } from '../../base/slash-path.js';
import { PatternMatcher } from '../../base/patternmatcher.js';

/** One thing to create in the rootfs. Paths are absolute inside the image. */
export type CopyEntry =
  | { type: 'directory'; dest: string; mode: number; uid: number; gid: number; /** Only if missing (parents, the destination dir). */ ensure: boolean; /** A copied directory's own mtime. */ mtimeMs?: number }
  | { type: 'file'; src: string; dest: string; mode: number; uid: number; gid: number; size: number; mtimeMs: number }
  | { type: 'symlink'; dest: string; target: string; uid: number; gid: number; mtimeMs: number }
  | { type: 'special'; src: string; dest: string; mode: number; uid: number; gid: number; mtimeMs: number }
  /** ADD of a local archive: extracted like `tar -x`, the archive's owners kept (moby ignores --chown here). */
  | { type: 'extract'; src: string; dest: string };

export interface CopyPlanOptions {
  /** The destination as written (expanded); a trailing `/` means a directory. */
  dest: string;
  /** The stage's WORKDIR (absolute). */
  workdir: string;
  /** --chown, resolved; undefined: 0:0, or the source's owner with `preserveOwnership`. */
  chown?: Identity;
  /** COPY --from without --chown keeps owners. */
  preserveOwnership?: boolean;
  /** --chmod: the mode of every copied file and directory. */
  chmod?: number;
  /** ADD: extract local archives. */
  decompress?: boolean;
  /** --exclude patterns, matched against paths relative to each source. */
  excludes?: readonly string[];
  /** Whether an image path is an existing directory (the executor looks in the rootfs). */
  isDirectory?: (imagePath: string) => Promise<boolean>;
}

/** moby's normalizeDest: absolute, relative to WORKDIR, the trailing slash kept. */
export function normalizeDest(workdir: string, dest: string): string {
  const trailing = dest.endsWith('/');
  const abs = dest.startsWith('/') ? cleanPath(dest) : cleanPath(`/${workdir}/${dest}`);
  return trailing && abs !== '/' ? `${abs}/` : abs;
}

/** Plans the copy of `sources` (resolved by resolveSources; URLs must be downloaded first). */
export async function planCopy(sources: readonly CopySource[], opts: CopyPlanOptions): Promise<CopyEntry[]> {
  const dest = normalizeDest(opts.workdir, opts.dest);
  const excludes = opts.excludes && opts.excludes.length > 0 ? new PatternMatcher(opts.excludes) : undefined;
  const out: CopyEntry[] = [];
  for (const source of sources) {
    if (source.kind === 'url') throw invalidArgument(`${source.url}: download the URL before planning the copy`);
    // Members: --chown, else the source's owner (COPY --from) or root. Created directories:
    // --chown or root, like moby's MkdirAllAndChown calls (parents of a copied directory: root).
    const owner = (st: Stats): { uid: number; gid: number } => opts.chown ?? (opts.preserveOwnership ? { uid: st.uid, gid: st.gid } : ROOT);
    const created = opts.chown ?? ROOT;
    const root = cleanPath(dest.replace(/\/$/, '') || '/');
    if (source.isDir) {
      out.push(...parents(root, ROOT), { type: 'directory', dest: root, mode: 0o755, ...created, ensure: true });
      await walk(source.fullPath, root, '', out, owner, opts.chmod, excludes);
      continue;
    }
    if (excludes?.matches(basename(source.path))) continue;
    // fullPath is resolved inside the root already: this lstat sees the file a symlink named.
    const st = await lstat(source.fullPath);
    if (opts.decompress === true && source.noDecompress !== true && st.isFile() && (await isArchive(source.fullPath))) {
      out.push(...parents(root, ROOT), { type: 'directory', dest: root, mode: 0o755, ...ROOT, ensure: true }, { type: 'extract', src: source.fullPath, dest: root });
      continue;
    }
    const intoDir = dest.endsWith('/') || (opts.isDirectory !== undefined && (await opts.isDirectory(root)));
    const target = intoDir ? cleanPath(`${root}/${basename(source.path)}`) : root;
    out.push(...parents(target, created), fileEntry(source.fullPath, target, st, owner(st), opts.chmod));
  }
  return out;
}

const ROOT = { uid: 0, gid: 0 };

/** `ensure` entries for the missing parents of `path` (0755, the copy's owner). */
function parents(path: string, owner: { uid: number; gid: number }): CopyEntry[] {
  const parts = path.split('/').filter((p) => p !== '');
  const out: CopyEntry[] = [];
  for (let i = 1; i < parts.length; i++) out.push({ type: 'directory', dest: `/${parts.slice(0, i).join('/')}`, mode: 0o755, ...owner, ensure: true });
  return out;
}

async function walk(
  dir: string,
  destDir: string,
  rel: string,
  out: CopyEntry[],
  owner: (st: Stats) => { uid: number; gid: number },
  chmod: number | undefined,
  excludes: PatternMatcher | undefined,
): Promise<void> {
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    if (excludes?.matches(childRel)) continue;
    const src = `${dir}/${name}`;
    const dest = `${destDir === '/' ? '' : destDir}/${name}`;
    const st = await lstat(src);
    if (st.isDirectory()) {
      out.push({ type: 'directory', dest, mode: chmod ?? st.mode & 0o7777, ...owner(st), ensure: false, mtimeMs: st.mtimeMs });
      await walk(src, dest, childRel, out, owner, chmod, excludes);
    } else if (st.isSymbolicLink()) {
      out.push({ type: 'symlink', dest, target: await readlink(src), ...owner(st), mtimeMs: st.mtimeMs });
    } else {
      out.push(fileEntry(src, dest, st, owner(st), chmod));
    }
  }
}

function fileEntry(src: string, dest: string, st: Stats, owner: { uid: number; gid: number }, chmod: number | undefined): CopyEntry {
  const mode = chmod ?? st.mode & 0o7777;
  if (st.isFile()) return { type: 'file', src, dest, mode, ...owner, size: st.size, mtimeMs: st.mtimeMs };
  return { type: 'special', src, dest, mode, ...owner, mtimeMs: st.mtimeMs };
}

/** moby's archive.IsArchivePath: a tar, plain or compressed in any format Docker reads. */
export async function isArchive(path: string): Promise<boolean> {
  const raw = await readHead(createReadStream(path, { end: 64 * 1024 - 1 }), 512);
  const compression = detectCompression(raw);
  if (compression === 'none') return raw.length >= 512 && looksLikeTar(raw);
  const head = await readHead(decompress(createReadStream(path), compression), 512);
  return head.length >= 512 && looksLikeTar(head);
}
