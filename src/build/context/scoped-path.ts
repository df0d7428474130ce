/**
 * moby/sys/symlink.FollowSymlinkInScope: resolves a path below a root as if the root were `/`.
 * Symlinks are followed (absolute targets restart at the root, `..` stops at it), so neither a
 * hostile context nor an image's symlinks can lead a lookup outside the root.
 */
import { lstat, readlink } from 'node:fs/promises';
import { invalidArgument, isErrno } from '../../base/errors.js';

const MAX_LINKS = 255;

/**
 * The real path of `rel` below `root`, every symlink on the way (the last one too, unless
 * `followLast` is false) resolved inside `root`. Missing components are kept as named, so the
 * result is where the file is or would be created.
 */
export async function scopedPath(root: string, rel: string, followLast = true): Promise<string> {
  const todo = rel.split('/').reverse();
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const isLast = todo.every((p) => p === '' || p === '.');
    const path = join(root, [...done, part]);
    let target: string | undefined;
    if (!isLast || followLast) {
      try {
        const st = await lstat(path);
        if (st.isSymbolicLink()) target = await readlink(path);
      } catch (err) {
        if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
      }
    }
    if (target === undefined) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw invalidArgument(`too many links in ${rel}`);
    if (target.startsWith('/')) done.length = 0;
    todo.push(...target.split('/').reverse());
  }
  return join(root, done);
}

/** `root` joined with clean components (no `..`, no empty parts). */
function join(root: string, parts: string[]): string {
  return parts.length === 0 ? root : `${root.replace(/\/+$/, '')}/${parts.join('/')}`;
}

/** The root-relative, slash-separated form of a path returned by {@link scopedPath}. */
export function relativeTo(root: string, full: string): string {
  const base = root.replace(/\/+$/, '');
  if (full === base) return '';
  return full.slice(base.length + 1);
}
