/**
 * Just enough of distribution/reference for the CLI: the fully qualified name the pull API
 * wants (`docker.io/library/busybox`) and the familiar form docker prints (`busybox:latest`).
 */
export interface ImageRef {
  /** `docker.io/library/busybox`, `localhost:5000/x`. */
  name: string;
  tag: string | undefined;
  digest: string | undefined;
}

const DEFAULT_DOMAIN = 'docker.io';

// distribution/reference's grammar (regexp.go), to refuse what the docker CLI refuses before
// anything is sent; the daemon checks again with the same rules.
const component = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const domainPart = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainPart}(?:\\.${domainPart})*|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?`;
const REFERENCE = new RegExp(`^(?:${domain}/)?${component}(?:/${component})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`);

/** `ParseNormalizedNamed`'s checks: throws `invalid reference format` (and the lowercase hint). */
export function validateImageRef(ref: string): void {
  if (/^[a-f0-9]{64}$/.test(ref)) throw new Error(`invalid repository name (${ref}), cannot specify 64-byte hexadecimal strings`);
  const normalized = parseImageRef(ref).name;
  const remote = normalized.slice(normalized.indexOf('/') + 1);
  if (remote.toLowerCase() !== remote) throw new Error(`invalid reference format: repository name (${remote}) must be lowercase`);
  if (!REFERENCE.test(ref)) throw new Error('invalid reference format');
}

/** `ParseNormalizedNamed`: adds docker.io and library/ where docker would. */
export function parseImageRef(ref: string): ImageRef {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  let name = at >= 0 ? ref.slice(0, at) : ref;
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  if (!hasDomain) name = `${DEFAULT_DOMAIN}/${slash >= 0 ? name : `library/${name}`}`;
  return { name, tag, digest };
}

/** `FamiliarName`: the name without docker.io/ and library/. */
export function familiarName(ref: ImageRef): string {
  if (!ref.name.startsWith(`${DEFAULT_DOMAIN}/`)) return ref.name;
  const path = ref.name.slice(DEFAULT_DOMAIN.length + 1);
  return path.startsWith('library/') && path.indexOf('/', 'library/'.length) < 0 ? path.slice('library/'.length) : path;
}

/** `FamiliarString(TagNameOnly(ref))`: `busybox:latest`, `alpine@sha256:…`. */
export function familiarWithDefaultTag(ref: ImageRef): string {
  const tag = ref.tag ?? (ref.digest ? undefined : 'latest');
  return `${familiarName(ref)}${tag !== undefined ? `:${tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The `tag` query parameter of `POST /images/create`: the digest, else the tag, else latest. */
export function apiTag(ref: ImageRef): string {
  return ref.digest ?? ref.tag ?? 'latest';
}
