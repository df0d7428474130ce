/**
 * Turns decoded tar headers (see tar-reader.ts) into `Entry` values: PAX overrides (uid, gid,
 * sub-second mtime) and xattrs read from the raw PAX bytes.
 */
import { invalidArgument } from '../errors.js';
import type { Entry, EntryType } from './tree-writer.js';

const XATTR_PREFIX = 'SCHILY.xattr.';

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'link',
  'character-device': 'character-device',
  'block-device': 'block-device',
  fifo: 'fifo',
};

/**
 * A header as tar-stream 3.x decodes it (tar-reader.ts keeps its shape and semantics): `type` is
 * null for typeflags it does not know, numeric fields are null for malformed base-256, and `pax`
 * holds the PAX records that applied to this entry.
 */
export interface DecodedHeader {
  name: string;
  type: string | null;
  linkname: string | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  size: number | null;
  mtime: Date | undefined;
  devmajor: number | null;
  devminor: number | null;
  pax?: Record<string, string> | null;
}

/** PAX records as strings, decoded exactly like tar-stream's `decodePax` (UTF-8, last key wins). */
export function decodePax(buf: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  while (buf.length) {
    let i = 0;
    while (i < buf.length && buf[i] !== 32) i++;
    const len = Number.parseInt(buf.toString('utf8', 0, i), 10);
    if (!len) return result;
    const b = buf.toString('utf8', i + 1, len - 1);
    const keyIndex = b.indexOf('=');
    if (keyIndex === -1) return result;
    result[b.slice(0, keyIndex)] = b.slice(keyIndex + 1);
    buf = buf.subarray(len);
  }
  return result;
}

/** Parses PAX records (`"<len> <key>=<value>\n"`), keeping the xattr values as raw bytes. */
export function paxXattrs(buf: Uint8Array): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  while (pos < b.length) {
    const sp = b.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = Number.parseInt(b.toString('latin1', pos, sp), 10);
    if (!(len > sp - pos + 1) || pos + len > b.length) break;
    const eq = b.indexOf(0x3d, sp + 1);
    const end = pos + len - 1; // the record's trailing newline
    if (eq > 0 && eq < end) {
      const key = b.toString('utf8', sp + 1, eq);
      if (key.startsWith(XATTR_PREFIX)) out.set(key.slice(XATTR_PREFIX.length), Buffer.from(b.subarray(eq + 1, end)));
    }
    pos += len;
  }
  return out;
}

function intOr(value: string | undefined, fallback: number): number {
  const n = value === undefined ? Number.NaN : Number.parseInt(value, 10);
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

/** Decodes one header. `raw` is the xattr map captured from the same entry's PAX header. */
export function toEntry(h: DecodedHeader, raw: Map<string, Buffer> | undefined): Entry {
  const type = TYPES[h.type ?? ''];
  if (type === undefined) throw invalidArgument(`archive entry "${h.name}": unsupported entry type "${h.type ?? 'unknown'}"`);
  const pax = h.pax ?? undefined;
  let mtime = (h.mtime?.getTime() ?? 0) / 1000;
  if (pax?.mtime !== undefined) {
    const m = Number.parseFloat(pax.mtime);
    if (Number.isFinite(m)) mtime = m;
  }
  let xattrs: Map<string, Buffer> | undefined;
  if (pax !== undefined && pax !== null) {
    xattrs = raw;
    if (xattrs === undefined) {
      xattrs = new Map();
      for (const [k, v] of Object.entries(pax)) {
        if (k.startsWith(XATTR_PREFIX)) xattrs.set(k.slice(XATTR_PREFIX.length), Buffer.from(v));
      }
    }
    if (xattrs.size === 0) xattrs = undefined;
  }
  return {
    name: h.name,
    type,
    linkname: h.linkname ?? '',
    mode: (h.mode ?? 0o644) & 0o7777,
    uid: intOr(pax?.uid, h.uid ?? 0),
    gid: intOr(pax?.gid, h.gid ?? 0),
    mtime,
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
    xattrs,
  };
}
