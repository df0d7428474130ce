/**
 * .dockerignore matching: a port of moby/patternmatcher (what the docker CLI and the daemon use)
 * and its ignorefile reader. `**` spans directories, `!` re-includes, the last matching line wins,
 * a pattern matching a directory matches everything below it. Case-sensitive, as on Linux.
 *
 * @balena/dockerignore was evaluated against patternmatcher's test table and not used: it
 * matches case-insensitively (`FOO` ignores `foo`), does not escape regexp characters
 * (`a.|)$(}+{bc` throws, `a(b)c/def` does not match itself), misses `**​/dir2/*` against
 * `dir/dir2/file/`, and accepts the malformed patterns `!`, `\` and `[a-b-c]`.
 */
import { invalidArgument } from './errors.js';
import { BadPatternError, filepathMatch } from './filepath-match.js';
import { cleanPath } from './slash-path.js';

type MatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

/** One cleaned pattern line. */
export class Pattern {
  readonly exclusion: boolean;
  readonly cleaned: string;
  private compiled?: { type: MatchType; regexp?: RegExp };

  constructor(cleaned: string, exclusion: boolean) {
    this.cleaned = cleaned;
    this.exclusion = exclusion;
  }

  /** Whether the slash-separated `path` matches; throws BadPatternError for a malformed pattern. */
  match(path: string): boolean {
    const { type, regexp } = (this.compiled ??= compile(this.cleaned));
    switch (type) {
      case 'exact':
        return path === this.cleaned;
      case 'prefix':
        return path.startsWith(this.cleaned.slice(0, -2));
      case 'suffix': {
        const suffix = this.cleaned.slice(2);
        return path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
      }
      case 'regexp':
        return regexp!.test(path);
    }
  }
}

/** A list of .dockerignore patterns. */
export class PatternMatcher {
  readonly patterns: Pattern[] = [];
  /** True when some pattern is a `!` exception. */
  readonly hasExclusions: boolean;

  /** Throws InvalidArgument for `!` alone or a pattern filepath.Match rejects. */
  constructor(patterns: readonly string[]) {
    let exclusions = false;
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw invalidArgument('illegal exclusion pattern: "!"');
        exclusion = true;
        exclusions = true;
        p = p.slice(1);
      }
      try {
        filepathMatch(p, '.');
      } catch (err) {
        if (err instanceof BadPatternError) throw invalidArgument(`${err.message}: ${raw}`);
        throw err;
      }
      this.patterns.push(new Pattern(p, exclusion));
    }
    this.hasExclusions = exclusions;
  }

  /**
   * patternmatcher's MatchesOrParentMatches: whether `file` (slash-separated, relative to the
   * context) is excluded, a pattern matching any parent directory counting as a match.
   */
  matches(file: string): boolean {
    const path = cleanPath(file);
    if (path === '.') return false;
    const slash = path.lastIndexOf('/');
    const parentDirs = slash < 0 ? [] : path.slice(0, slash).split('/');
    let matched = false;
    for (const pattern of this.patterns) {
      if (pattern.exclusion !== matched) continue;
      let match = this.safeMatch(pattern, path);
      for (let i = 0; !match && i < parentDirs.length; i++) match = this.safeMatch(pattern, parentDirs.slice(0, i + 1).join('/'));
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }

  private safeMatch(pattern: Pattern, path: string): boolean {
    try {
      return pattern.match(path);
    } catch (err) {
      if (err instanceof BadPatternError) throw invalidArgument(`${err.message}: ${pattern.cleaned}`);
      throw err;
    }
  }
}

/** Escaped because they mean something in regexps but nothing in filepath.Match (not `^`, as in Go). */
const REGEXP_SPECIAL = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);
const SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

/** patternmatcher's Pattern.compile for `/` separators. */
function compile(pattern: string): { type: MatchType; regexp?: RegExp } {
  const chars = Array.from(pattern);
  let re = '^';
  let type: MatchType = 'exact';
  let inClass = false;
  for (let i = 0, token = 0; i < chars.length; i++, token++) {
    const ch = chars[i]!;
    if (ch === '*' && chars[i + 1] === '*') {
      i++;
      if (chars[i + 1] === '/') i++;
      if (i + 1 >= chars.length) {
        if (type === 'exact') type = 'prefix';
        else {
          re += '.*';
          type = 'regexp';
        }
      } else {
        re += '(.*/)?';
        type = 'regexp';
      }
      if (token === 0) type = 'suffix';
    } else if (ch === '*') {
      re += '[^/]*';
      type = 'regexp';
    } else if (ch === '?') {
      re += '[^/]';
      type = 'regexp';
    } else if (REGEXP_SPECIAL.has(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) {
        re += '\\\\';
        continue;
      }
      i++;
      re += escaped(next, inClass);
      type = 'regexp';
    } else if (ch === '[' || ch === ']') {
      // Go's regexp reads a stray `]` as a literal; JavaScript's `u` mode wants it escaped.
      re += ch === ']' && !inClass ? '\\]' : ch;
      inClass = ch === '[';
      type = 'regexp';
    } else {
      re += ch;
    }
  }
  if (type !== 'regexp') return { type };
  try {
    return { type, regexp: new RegExp(re + '$', 'u') };
  } catch {
    throw new BadPatternError();
  }
}

/**
 * `\x` as Go's regexp reads it, in JavaScript's stricter `u` syntax: punctuation is literal,
 * letters keep their escape meaning (an unknown one makes the pattern bad, as in Go).
 */
function escaped(ch: string, inClass: boolean): string {
  if (SYNTAX.has(ch) || (inClass && ch === '-')) return '\\' + ch;
  if (/^[A-Za-z0-9]$/.test(ch)) return '\\' + ch;
  return ch;
}

/**
 * moby's ignorefile.ReadAll: one pattern per line, `#` comments (only at the very start of a
 * line), whitespace trimmed, paths cleaned and made relative (`/a` is `a`), a UTF-8 BOM dropped.
 */
export function readIgnoreFile(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\ufeff/, '').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    let pattern = line.replace(/\r$/, '').trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push(invert ? '!' + pattern : pattern);
  }
  return out;
}
