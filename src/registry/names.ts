/** Repository names and tags as the distribution spec defines them. */

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** distribution's limit on the whole name (it must fit a Docker reference of 255). */
const NAME_MAX = 255;

export function isRepositoryName(name: string): boolean {
  return name.length <= NAME_MAX && NAME_RE.test(name);
}

export function isTag(tag: string): boolean {
  return TAG_RE.test(tag);
}
