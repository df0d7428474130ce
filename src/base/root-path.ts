/**
 * Paths inside a container's root filesystem, resolved as the container would see them: symlinks
 * are followed chroot-style (absolute targets restart at the root, `..` stops there), so a
 * hostile image's `/etc/passwd -> /etc/shadow` or `-> ../../..` never reaches the host's files.
 * Like moby's `FollowSymlinkInScope` (and Go's securejoin).
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { BerthError, isErrno } from './errors.js';

const MAX_LINKS = 255;

/**
 * The host path of `path` inside `root`, every symlink followed (the last one too, unless
 * `followFinal` is false). Components that do not exist are kept as given.
 */
export function resolveInRoot(root: string, path: string, followFinal = true): string {
  const todo = path.split('/').reverse();
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = `${root}/${[...done, part].join('/')}`;
    if (todo.length === 0 && !followFinal) {
      done.push(part);
      break;
    }
    let target: string | undefined;
    try {
      if (lstatSync(host).isSymbolicLink()) target = readlinkSync(host);
    } catch (err) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
    }
    if (target === undefined) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new BerthError('InvalidArgument', `${path}: too many levels of symbolic links`);
    if (target.startsWith('/')) done.length = 0;
    todo.push(...target.split('/').reverse());
  }
  return done.length === 0 ? root : `${root}/${done.join('/')}`;
}
