/**
 * `COPY --chown=user[:group]` against an image's /etc/passwd and /etc/group, with moby's rules
 * (builder/dockerfile/internals_linux.go): numbers are taken as they are; `--chown=u` looks `u`
 * up as the group name too (not u's primary group); names must exist in the image.
 */
import { invalidArgument, type BerthError } from '../../base/errors.js';

export interface Identity {
  uid: number;
  gid: number;
}

/**
 * Resolves a chown spec. `passwd`/`group` are the files' contents, or undefined when the image
 * has none (a name then cannot be found).
 */
export function resolveChown(chown: string, passwd: string | undefined, group: string | undefined): Identity {
  const parts = chown.split(':');
  if (parts.length > 2) throw fail(`invalid chown string format: ${chown}`);
  const userStr = parts[0]!;
  const groupStr = parts.length === 1 ? userStr : parts[1]!;
  const uid = lookup(userStr, passwd, 2, 'user', '/etc/passwd');
  const gid = lookup(groupStr, group, 2, 'group', '/etc/group');
  return { uid, gid };
}

function lookup(name: string, file: string | undefined, idField: number, kind: 'user' | 'group', path: string): number {
  if (/^[+-]?\d+$/.test(name)) return Number(name);
  const what = kind === 'user' ? `can't find uid for user ${name}` : `can't find gid for group ${name}`;
  if (file === undefined) throw fail(`${what}: open ${path}: no such file or directory`);
  for (const line of file.split('\n')) {
    const fields = line.trim().split(':');
    if (fields[0] === name && fields.length > idField) {
      const id = Number(fields[idField]);
      if (Number.isInteger(id)) return id;
    }
  }
  throw fail(`${what}: no such ${kind}: ${name}`);
}

function fail(message: string): BerthError {
  return invalidArgument(`unable to convert uid/gid chown string to host mapping: ${message}`);
}

/** `--chmod=` (octal, as the BuildKit frontend of Docker 28 accepts it). */
export function parseChmod(chmod: string): number {
  if (!/^[0-7]{1,4}$/.test(chmod)) throw invalidArgument(`invalid chmod parameter: ${chmod}`);
  return Number.parseInt(chmod, 8);
}
