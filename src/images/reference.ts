/**
 * Image references, ported from github.com/distribution/reference (regexp.go, normalize.go,
 * helpers.go) so that berth accepts, rejects and prints names exactly as Docker does.
 */
import { invalidArgument } from '../base/errors.js';
import type { Digest } from '../base/digest.js';

/** A parsed, normalized reference: `domain/path[:tag][@digest]`. */
export interface ImageReference {
  /** Registry host, always set after normalization (`docker.io`, `localhost:5000`, `[::1]:5000`). */
  domain: string;
  /** Repository path inside the registry (`library/busybox`). */
  path: string;
  /** `domain/path`, Docker's `Named.Name()`. */
  name: string;
  tag?: string;
  digest?: Digest;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
/** Upstream's RepositoryNameTotalLengthMax; it bounds the path only, not the domain. */
const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar is assembled from the same fragments as upstream's regexp.go so the two can be
// compared line by line. JS backtracking and RE2 leftmost-first agree on these anchored patterns.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRe = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredNameRe = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredTagRe = new RegExp(`^${tagPat}$`);
const anchoredIdentifierRe = /^[a-f0-9]{64}$/;

const bad = (message: string) => invalidArgument(message);

/**
 * Parses a user-supplied reference the way `docker pull/run/tag` do (`ParseNormalizedNamed`):
 * defaults the domain to `docker.io`, adds `library/` to single-component Hub names and maps
 * `index.docker.io` to `docker.io`. Does not add a default tag (see {@link normalize}).
 * @throws BerthError InvalidArgument carrying Docker's message (`invalid reference format`, …).
 */
export function parseReference(s: string): ImageReference {
  if (anchoredIdentifierRe.test(s)) {
    throw bad(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw bad(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  return parse(`${domain}/${remainder}`);
}

/** Upstream's `Parse`: the strict grammar, without any defaulting. */
function parse(s: string): ImageReference {
  if (s === '') throw bad('repository name must have at least one component');
  const m = referenceRe.exec(s);
  if (m === null) {
    const lower = s.toLowerCase();
    if (lower !== s && referenceRe.test(lower)) throw bad('repository name must be lowercase');
    throw bad('invalid reference format');
  }
  const name = m[1] ?? '';
  const nm = anchoredNameRe.exec(name);
  const domain = nm?.[1] ?? '';
  const path = nm === null ? name : (nm[2] ?? '');
  if (path.length > NAME_TOTAL_LENGTH_MAX) {
    throw bad(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const ref: ImageReference = { domain, path, name };
  if (m[2] !== undefined && m[2] !== '') ref.tag = m[2];
  if (m[3] !== undefined && m[3] !== '') ref.digest = validateDigest(m[3]);
  return ref;
}

/** go-digest's `Digest.Validate`, with sha256 as the only algorithm berth can verify. */
function validateDigest(d: string): Digest {
  const i = d.indexOf(':');
  const algorithm = d.slice(0, i);
  const encoded = d.slice(i + 1);
  if (algorithm !== 'sha256') throw bad('unsupported digest algorithm');
  if (encoded.length !== 64) throw bad('invalid checksum digest length');
  if (!/^[a-f0-9]{64}$/.test(encoded)) throw bad('invalid checksum digest format');
  return d as Digest;
}

function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  // A single element ("ubuntu:latest") must never be read as "host:port".
  if (slash < 0) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remote: string;
  if (maybeDomain === 'localhost') [domain, remote] = [maybeDomain, maybeRemote];
  else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) [domain, remote] = [DEFAULT_DOMAIN, maybeRemote];
  else if (/[.:]/.test(maybeDomain)) [domain, remote] = [maybeDomain, maybeRemote];
  // Namespaces cannot be uppercase, so an uppercase first element can only be a host name.
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remote] = [maybeDomain, maybeRemote];
  else [domain, remote] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remote.includes('/')) remote = OFFICIAL_REPO_PREFIX + remote;
  return [domain, remote];
}

/** `TagNameOnly`: adds `:latest` when the reference has neither tag nor digest. */
export function normalize(ref: ImageReference): ImageReference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return { ...ref, tag: DEFAULT_TAG };
}

/** True when `tag` is a valid tag (`[\w][\w.-]{0,127}`). */
export function isValidTag(tag: string): boolean {
  return anchoredTagRe.test(tag);
}

/** The name as Docker shows it: `busybox`, `user/app`, `localhost:5000/x`. */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return ref.name;
  // Only strip "library/" when nothing nested follows, as upstream does.
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

function withSuffix(name: string, ref: ImageReference): string {
  return name + (ref.tag === undefined ? '' : `:${ref.tag}`) + (ref.digest === undefined ? '' : `@${ref.digest}`);
}

/** `FamiliarString`: `busybox:latest`, `localhost:5000/x:1`, `busybox@sha256:…`. */
export function familiarString(ref: ImageReference): string {
  return withSuffix(familiarName(ref), ref);
}

/** The canonical string (`Reference.String()`): `docker.io/library/busybox:latest`. */
export function fullString(ref: ImageReference): string {
  return withSuffix(ref.name, ref);
}

/**
 * `docker images --filter reference=PATTERN`: moby's `FamiliarMatch`, a `path.Match` glob tried
 * against the familiar string (`name:tag` / `name@digest`) and then the bare familiar name.
 * @throws BerthError InvalidArgument `syntax error in pattern` for a malformed pattern.
 */
export function matchesReferenceFilter(ref: ImageReference, pattern: string): boolean {
  return pathMatch(pattern, familiarString(ref)) || pathMatch(pattern, familiarName(ref));
}

const badPattern = () => bad('syntax error in pattern');

/** Go's `path.Match`, operating on code points where Go decodes runes. */
export function pathMatch(pattern: string, name: string): boolean {
  let pat = Array.from(pattern);
  let s = Array.from(name);
  while (pat.length > 0) {
    const [star, chunk, rest] = scanChunk(pat);
    pat = rest;
    if (star && chunk.length === 0) return !s.includes('/');
    const t = matchChunk(chunk, s);
    if (t !== null && (t.length === 0 || pat.length > 0)) {
      s = t;
      continue;
    }
    let advanced = false;
    if (star) {
      for (let i = 0; i < s.length && s[i] !== '/'; i++) {
        const t2 = matchChunk(chunk, s.slice(i + 1));
        if (t2 === null || (pat.length === 0 && t2.length > 0)) continue;
        s = t2;
        advanced = true;
        break;
      }
    }
    if (advanced) continue;
    // Go reports a malformed remainder even when the match has already failed.
    while (pat.length > 0) {
      const [, c, r] = scanChunk(pat);
      pat = r;
      matchChunk(c, []);
    }
    return false;
  }
  return s.length === 0;
}

function scanChunk(pattern: string[]): [boolean, string[], string[]] {
  let start = 0;
  while (pattern[start] === '*') start++;
  let inRange = false;
  for (let i = start; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (i + 1 < pattern.length) i++;
    } else if (c === '[') inRange = true;
    else if (c === ']') inRange = false;
    else if (c === '*' && !inRange) return [start > 0, pattern.slice(start, i), pattern.slice(i)];
  }
  return [start > 0, pattern.slice(start), []];
}

/** Returns the unmatched rest of `s`, or null on mismatch; throws on a malformed chunk. */
function matchChunk(chunk: string[], s: string[]): string[] | null {
  let failed = false;
  let ci = 0;
  let si = 0;
  while (ci < chunk.length) {
    if (!failed && si >= s.length) failed = true;
    const c = chunk[ci];
    if (c === '[') {
      const r = failed ? '' : (s[si++] ?? '');
      ci++;
      const negated = chunk[ci] === '^';
      if (negated) ci++;
      let match = false;
      for (let nrange = 0; ; nrange++) {
        if (chunk[ci] === ']' && nrange > 0) {
          ci++;
          break;
        }
        const lo = getEsc(chunk, ci);
        ci = lo.next;
        let hi = lo.r;
        if (chunk[ci] === '-') {
          const h = getEsc(chunk, ci + 1);
          ci = h.next;
          hi = h.r;
        }
        const rc = r === '' ? 0 : (r.codePointAt(0) ?? 0);
        if ((lo.r.codePointAt(0) ?? 0) <= rc && rc <= (hi.codePointAt(0) ?? 0)) match = true;
      }
      if (match === negated) failed = true;
    } else if (c === '?') {
      if (!failed) {
        if (s[si] === '/') failed = true;
        si++;
      }
      ci++;
    } else {
      if (c === '\\') {
        ci++;
        if (ci >= chunk.length) throw badPattern();
      }
      if (!failed) {
        if (chunk[ci] !== s[si]) failed = true;
        si++;
      }
      ci++;
    }
  }
  return failed ? null : s.slice(si);
}

function getEsc(chunk: string[], i: number): { r: string; next: number } {
  let c = chunk[i];
  if (c === undefined || c === '-' || c === ']') throw badPattern();
  if (c === '\\') {
    c = chunk[++i];
    if (c === undefined) throw badPattern();
  }
  if (i + 1 >= chunk.length) throw badPattern();
  return { r: c, next: i + 1 };
}
