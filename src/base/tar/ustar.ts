/**
 * One ustar header block, byte for byte as tar-stream's pack writes it (uid/gid 0, no user or
 * group names), for writers that lay out an archive themselves and stream payloads straight to
 * a socket instead of through a pack stream.
 */
const BLOCK = 512;

export interface UstarEntry {
  /** At most 100 bytes of ASCII: callers name entries themselves (blobs/sha256/<hex>). */
  name: string;
  size: number;
  mode: number;
  type: 'file' | 'directory';
  mtimeSeconds: number;
}

function octal(buf: Buffer, off: number, value: number, digits: number): void {
  const s = value.toString(8);
  buf.write(`${'0'.repeat(Math.max(0, digits - s.length))}${s} `, off, 'latin1');
}

export function ustarHeader(e: UstarEntry): Buffer {
  const name = e.type === 'directory' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
  if (Buffer.byteLength(name) > 100 || !/^[\x20-\x7e]*$/.test(name)) throw new Error(`ustar header: name ${JSON.stringify(name)} does not fit`);
  const buf = Buffer.alloc(BLOCK);
  buf.write(name, 0, 'latin1');
  octal(buf, 100, e.mode & 0o7777, 6);
  octal(buf, 108, 0, 6);
  octal(buf, 116, 0, 6);
  if (e.size.toString(8).length > 11) {
    // GNU base-256 past 8 GiB, as tar-stream and Go's archive/tar read it.
    buf[124] = 0x80;
    let n = e.size;
    for (let i = 11; i > 0; i--) {
      buf[124 + i] = n % 256;
      n = Math.floor(n / 256);
    }
  } else octal(buf, 124, e.size, 11);
  octal(buf, 136, e.mtimeSeconds, 11);
  buf[156] = e.type === 'directory' ? 0x35 : 0x30;
  buf.write('ustar\u000000', 257, 'latin1');
  octal(buf, 329, 0, 6);
  octal(buf, 337, 0, 6);
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += buf[i]!;
  for (let i = 156; i < BLOCK; i++) sum += buf[i]!;
  octal(buf, 148, sum, 6);
  return buf;
}

/** Zero bytes that pad a payload of `size` bytes to a whole block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? EMPTY : Buffer.alloc(BLOCK - rest);
}
const EMPTY = Buffer.alloc(0);
