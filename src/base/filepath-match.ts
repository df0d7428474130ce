/**
 * Go's path/filepath.Match on Unix, which Docker uses for COPY/ADD wildcards and to validate
 * .dockerignore patterns: `*` and `?` never match `/`, `[…]` classes with ranges and `^`
 * negation, `\` escapes. A malformed pattern is an error (filepath.ErrBadPattern).
 */

export class BadPatternError extends Error {
  constructor() {
    super('syntax error in pattern');
  }
}

/** True when `name` matches `pattern` entirely; throws BadPatternError for a malformed pattern. */
export function filepathMatch(pattern: string, name: string): boolean {
  let p = Array.from(pattern);
  let n = Array.from(name);
  pattern: while (p.length > 0) {
    let star = false;
    while (p[0] === '*') {
      p = p.slice(1);
      star = true;
    }
    const [chunk, rest] = splitChunk(p);
    p = rest;
    if (star && chunk.length === 0) {
      // A trailing * matches the rest unless it contains a separator.
      return !n.includes('/');
    }
    const t = matchChunk(chunk, n);
    if (t !== undefined && (t.length === 0 || p.length > 0)) {
      n = t;
      continue;
    }
    if (star) {
      for (let i = 0; i < n.length && n[i] !== '/'; i++) {
        const t2 = matchChunk(chunk, n.slice(i + 1));
        if (t2 !== undefined) {
          if (p.length === 0 && t2.length > 0) continue;
          n = t2;
          continue pattern;
        }
      }
    }
    // Before failing, make sure the rest of the pattern is well-formed (Go does).
    while (p.length > 0) {
      while (p[0] === '*') p = p.slice(1);
      const [c, r] = splitChunk(p);
      p = r;
      matchChunk(c, []);
    }
    return false;
  }
  return n.length === 0;
}

function splitChunk(p: string[]): [string[], string[]] {
  let inRange = false;
  let i = 0;
  for (; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '[') inRange = true;
    else if (c === ']') inRange = false;
    else if (c === '*' && !inRange) break;
  }
  return [p.slice(0, i), p.slice(i)];
}

/** Matches `chunk` (no `*`) at the start of `s`; returns the rest of `s`, or undefined. */
function matchChunk(chunk: string[], s: string[]): string[] | undefined {
  let failed = false;
  let c = chunk;
  let str = s;
  while (c.length > 0) {
    if (!failed && str.length === 0) failed = true;
    switch (c[0]) {
      case '[': {
        const r = str[0] ?? '';
        if (!failed) str = str.slice(1);
        c = c.slice(1);
        let negated = false;
        if (c[0] === '^') {
          negated = true;
          c = c.slice(1);
        }
        let match = false;
        let nrange = 0;
        for (;;) {
          if (c.length > 0 && c[0] === ']' && nrange > 0) {
            c = c.slice(1);
            break;
          }
          let lo: string;
          let hi: string;
          [lo, c] = getEsc(c);
          hi = lo;
          if (c[0] === '-') {
            [hi, c] = getEsc(c.slice(1));
          }
          if (cp(lo) <= cp(r) && cp(r) <= cp(hi)) match = true;
          nrange++;
        }
        if (match === negated) failed = true;
        break;
      }
      case '?':
        if (!failed) {
          if (str[0] === '/') failed = true;
          str = str.slice(1);
        }
        c = c.slice(1);
        break;
      default:
        if (c[0] === '\\') {
          c = c.slice(1);
          if (c.length === 0) throw new BadPatternError();
        }
        if (!failed) {
          if (c[0] !== str[0]) failed = true;
          str = str.slice(1);
        }
        c = c.slice(1);
    }
  }
  return failed ? undefined : str;
}

function getEsc(chunk: string[]): [string, string[]] {
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') throw new BadPatternError();
  let c = chunk;
  if (c[0] === '\\') {
    c = c.slice(1);
    if (c.length === 0) throw new BadPatternError();
  }
  const r = c[0]!;
  c = c.slice(1);
  if (c.length === 0) throw new BadPatternError();
  return [r, c];
}

function cp(ch: string): number {
  return ch === '' ? -1 : ch.codePointAt(0)!;
}

/** moby's containsWildcards (Unix): an unescaped `*`, `?` or `[`. */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}
