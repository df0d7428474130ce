/**
 * Path safety for extraction: entry names are cleaned lexically, then resolved against the target
 * directory the way a chroot would see them, so that symlinks written by the archive itself can
 * never lead a later entry outside the target directory.
 */
import { lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import { invalidArgument, isErrno } from '../errors.js';

/** Linux's own limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_LINKS = 40;

/**
 * Splits an entry name into clean components: a leading `/` or `./` is dropped (absolute names land
 * inside the target, as Docker does), `.` and empty components vanish, `..` pops. A name that climbs
 * above the root is rejected. The root itself is `[]`.
 */
export function cleanName(name: string): string[] {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.pop() === undefined) throw invalidArgument(`archive entry "${name}" escapes the target directory`);
      continue;
    }
    out.push(part);
  }
  return out;
}

/**
 * Resolves cleaned paths to real paths below `root`, following symlinks chroot-style: absolute
 * targets restart at `root` and `..` stops at `root`. The final component is never followed.
 *
 * Resolved parent directories are cached by lexical path; the owner must call `invalidate()`
 * whenever it removes a directory or a symlink, the only events that can make an entry stale.
 */
export class RootResolver {
  private readonly dirs = new Map<string, string>();

  constructor(readonly root: string) {}

  invalidate(): void {
    this.dirs.clear();
  }

  /**
   * The real path of the directory that holds `parts`' last component. With `create`, missing
   * directories are made (0755, as tar does); without, a missing one throws ENOENT.
   */
  parentOf(parts: readonly string[], name: string, create: boolean): string {
    if (parts.length <= 1) return this.root;
    const key = parts.slice(0, -1).join('/');
    const hit = this.dirs.get(key);
    if (hit !== undefined) return hit;
    const real = this.walk(parts.slice(0, -1), name, create);
    this.dirs.set(key, real);
    return real;
  }

  private walk(parts: readonly string[], name: string, create: boolean): string {
    const todo = parts.slice().reverse();
    const done: string[] = [];
    let links = 0;
    while (todo.length > 0) {
      const part = todo.pop()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      const path = this.root + '/' + [...done, part].join('/');
      let st;
      try {
        st = lstatSync(path);
      } catch (err) {
        if (!create || !isErrno(err, 'ENOENT')) throw err;
        mkdirSync(path, 0o755);
        done.push(part);
        continue;
      }
      if (st.isDirectory()) {
        done.push(part);
      } else if (st.isSymbolicLink()) {
        if (++links > MAX_LINKS) throw invalidArgument(`archive entry "${name}": too many levels of symbolic links`);
        const target = readlinkSync(path);
        if (target.startsWith('/')) done.length = 0;
        todo.push(...target.split('/').reverse());
      } else {
        throw invalidArgument(`archive entry "${name}": "${[...done, part].join('/')}" is not a directory`);
      }
    }
    return done.length === 0 ? this.root : this.root + '/' + done.join('/');
  }
}
