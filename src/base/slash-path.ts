/** Slash-path helpers with Go's semantics (path.Clean), for patterns and context-relative paths. */

/** Go's path.Clean: `.` for empty, `..` resolved lexically, no trailing slash (except `/`). */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/**
 * A source path made relative to its root the way moby does before looking it up
 * (`filepath.Clean("/" + p)` without the slash): `../x`, `/x` and `./x` all mean `x`; the root is ''.
 */
export function rootRelative(p: string): string {
  return cleanPath('/' + p).slice(1);
}
