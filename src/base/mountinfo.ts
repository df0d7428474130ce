import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** /proc/self/mounts escapes blanks and backslashes in octal. */
function escapeMountPath(path: string): string {
  return path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

export function isMounted(path: string): boolean {
  const escaped = escapeMountPath(path);
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === escaped);
}

/** isMounted without blocking the event loop (the table grows with every running container). */
export async function mounted(path: string): Promise<boolean> {
  const escaped = escapeMountPath(path);
  return (await readFile('/proc/self/mounts', 'utf8')).split('\n').some((l) => l.split(' ')[1] === escaped);
}

/**
 * Whether a filesystem other than its parent's is mounted on `path` (an overlay, a tmpfs): two
 * stats instead of reading the mount table, which holds two lines per running container. A bind
 * mount from the same filesystem goes unseen: use {@link mounted} for those.
 */
export async function otherFilesystemOn(path: string): Promise<boolean> {
  const [self, parent] = await Promise.all([stat(path, { bigint: true }).catch(() => undefined), stat(dirname(path), { bigint: true })]);
  return self !== undefined && self.dev !== parent.dev;
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string): string[] {
  const prefix = escapeMountPath(dir);
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((p) => p === prefix || p.startsWith(prefix + '/'))
    .sort((a, b) => b.length - a.length)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/**
 * The propagation of the mount that holds `path` ("shared", "slave" or "private"), from
 * /proc/self/mountinfo's optional fields: what a `shared`/`slave` bind needs of its source.
 */
export function mountPropagation(path: string): { mountPoint: string; propagation: 'shared' | 'slave' | 'private' } {
  let best = { mountPoint: '/', propagation: 'private' as 'shared' | 'slave' | 'private' };
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f.length < 7) continue;
    const mp = f[4]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (!(path === mp || path.startsWith(mp.endsWith('/') ? mp : mp + '/'))) continue;
    if (mp.length < best.mountPoint.length && best.mountPoint !== '/') continue;
    const opt = f.slice(6, f.indexOf('-'));
    best = { mountPoint: mp, propagation: opt.some((o) => o.startsWith('shared:')) ? 'shared' : opt.some((o) => o.startsWith('master:')) ? 'slave' : 'private' };
  }
  return best;
}
