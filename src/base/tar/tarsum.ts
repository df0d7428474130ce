/**
 * tarsum v1's per-member sum (moby's builder cache key for COPY/ADD sources): sha256 of the
 * member's header fields (name, mode, uid, gid, size, type, link target, device numbers,
 * security.capability; never the mtime) followed by its content.
 */
import type { Hash } from 'node:crypto';
import { createHash } from '../crypto.js';

export interface TarsumFields {
  /** Relative name; directories get a trailing `/`. */
  name: string;
  mode: number;
  uid: number;
  gid: number;
  /** Regular files only; 0 otherwise. */
  size: number;
  /** '0' file, '2' symlink, '3'/'4' devices, '5' directory, '6' FIFO. */
  typeflag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
  capability?: string;
}

/** The header fields in tarsum v1's order, as `[key, value]`. */
export function tarsumHeaderFields(f: TarsumFields): [string, string][] {
  const fields: [string, string][] = [
    ['name', f.name],
    ['mode', String(f.mode & 0o7777)],
    ['uid', String(f.uid)],
    ['gid', String(f.gid)],
    ['size', String(f.size)],
    ['typeflag', f.typeflag],
    ['linkname', f.linkname],
    ['uname', ''],
    ['gname', ''],
    ['devmajor', String(f.devmajor)],
    ['devminor', String(f.devminor)],
  ];
  if (f.capability !== undefined) fields.push(['security.capability', f.capability]);
  return fields;
}

/** A member sum in progress: the header is in; feed the content, then `digest('hex')`. */
export function startMemberSum(f: TarsumFields): Hash {
  const h = createHash('sha256');
  for (const [k, v] of tarsumHeaderFields(f)) h.update(k + v);
  return h;
}
