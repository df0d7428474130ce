/**
 * Tar headers for the layers the builder writes: ustar where the values fit, a PAX extended
 * header before the entry where they do not (long names and link targets, large ids and sizes,
 * xattrs), as Go's archive/tar and tar-stream read them.
 */
const BLOCK = 512;

export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

/** One layer entry as its tar header describes it. */
export interface TarEntry {
  /** Relative, no leading slash; directories without the trailing one. */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Payload bytes (regular files only). */
  size: number;
  mtimeSeconds: number;
  /** Symlink target, or the hard link's first path. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes by name (PAX `SCHILY.xattr.<name>`). */
  xattrs?: Record<string, Buffer>;
}

const TYPEFLAG: Record<EntryType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6' };
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

/** The header block(s) of an entry: a PAX header first when needed, then the ustar block. */
export function tarHeader(e: TarEntry): Buffer {
  const name = e.type === 'directory' ? `${e.path}/` : e.path;
  const linkname = e.linkname ?? '';
  const pax: [string, string | Buffer][] = [];
  const split = splitName(name);
  if (split === undefined) pax.push(['path', name]);
  if (Buffer.byteLength(linkname) > 100) pax.push(['linkpath', linkname]);
  if (e.uid > MAX_OCTAL_8) pax.push(['uid', String(e.uid)]);
  if (e.gid > MAX_OCTAL_8) pax.push(['gid', String(e.gid)]);
  if (e.size > MAX_OCTAL_12) pax.push(['size', String(e.size)]);
  for (const [k, v] of Object.entries(e.xattrs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) pax.push([`SCHILY.xattr.${k}`, v]);
  const block = Buffer.alloc(BLOCK);
  const [prefix, base] = split ?? ['', truncate(name, 100)];
  block.write(base, 0, 'utf8');
  octal(block, 100, e.mode & 0o7777, 8);
  octal(block, 108, Math.min(e.uid, MAX_OCTAL_8), 8);
  octal(block, 116, Math.min(e.gid, MAX_OCTAL_8), 8);
  octal(block, 124, Math.min(e.size, MAX_OCTAL_12), 12);
  octal(block, 136, Math.max(0, Math.min(e.mtimeSeconds, MAX_OCTAL_12)), 12);
  block.write(TYPEFLAG[e.type], 156, 'latin1');
  block.write(truncate(linkname, 100), 157, 'utf8');
  block.write('ustar\u000000', 257, 'latin1');
  octal(block, 329, e.devmajor ?? 0, 8);
  octal(block, 337, e.devminor ?? 0, 8);
  block.write(prefix, 345, 'utf8');
  checksum(block);
  if (pax.length === 0) return block;
  return Buffer.concat([paxHeader(name, pax), block]);
}

/** ustar's name/prefix split: `[prefix, name]`, or undefined when the path does not fit. */
function splitName(name: string): [string, string] | undefined {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return [prefix, rest];
  }
  return undefined;
}

function truncate(s: string, bytes: number): string {
  const b = Buffer.from(s);
  return b.length <= bytes ? s : b.subarray(0, bytes).toString('utf8');
}

/** A PAX `x` entry holding the records (each `"<len> <key>=<value>\n"`, len counting itself). */
function paxHeader(name: string, records: [string, string | Buffer][]): Buffer {
  const body = Buffer.concat(records.map(([k, v]) => paxRecord(k, v)));
  const block = Buffer.alloc(BLOCK);
  block.write(truncate(`PaxHeaders.0/${name.replace(/\/$/, '').split('/').pop() ?? ''}`, 100), 0, 'utf8');
  octal(block, 100, 0o644, 8);
  octal(block, 108, 0, 8);
  octal(block, 116, 0, 8);
  octal(block, 124, body.length, 12);
  octal(block, 136, 0, 12);
  block.write('x', 156, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  checksum(block);
  return Buffer.concat([block, body, padding(body.length)]);
}

function paxRecord(key: string, value: string | Buffer): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  const rest = Buffer.byteLength(key) + v.length + 3;
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), v, Buffer.from('\n')]);
}

function octal(block: Buffer, off: number, value: number, width: number): void {
  block.write(`${value.toString(8).padStart(width - 1, '0')}\0`, off, 'latin1');
}

function checksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

const EMPTY = Buffer.alloc(0);

/** Zero bytes padding a payload of `size` bytes to a whole block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? EMPTY : Buffer.alloc(BLOCK - rest);
}

/** The end-of-archive marker: two zero blocks. */
export const TAR_TRAILER = Buffer.alloc(2 * BLOCK);
