import assert from 'node:assert/strict';
import { test } from 'node:test';
import tar from 'tar-stream';
import type { DecodedHeader } from './entry-decode.js';
import { TarReader } from './tar-reader.js';
import { makeTar } from './test-archives.js';

interface Seen {
  log: string[];
  headers: DecodedHeader[];
}

/** Feeds `pieces` to a reader and records every entry, its xattrs and its payload. */
function read(pieces: Buffer[]): Seen {
  const log: string[] = [];
  const headers: DecodedHeader[] = [];
  const reader = new TarReader((h, xattrs, payload) => {
    headers.push(h);
    const x = xattrs === undefined ? '' : [...xattrs].map(([k, v]) => `${k}=${v.toString('hex')}`).join(',');
    log.push(`${h.type} ${h.name} -> ${h.linkname ?? ''} size=${h.size} payload=${payload} mode=${h.mode?.toString(8)} mtime=${h.mtime?.getTime()} [${x}]`);
    const data: Buffer[] = [];
    // Copied: the chunk may be a view of the caller's buffer.
    return { write: (c) => data.push(Buffer.from(c)), end: () => log.push(`data ${Buffer.concat(data).toString('latin1')}`) };
  });
  for (const p of pieces) reader.push(p);
  reader.end();
  return { log, headers };
}

function split(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < buf.length; off += size) out.push(buf.subarray(off, off + size));
  return out;
}

/** A raw header: GNU magic unless `ustar`; the checksum is computed unless given. */
function header(o: { name: string; flag: string; size?: number; sizeField?: Buffer; linkname?: string; ustar?: boolean; magic?: boolean; cksum?: string }): Buffer {
  const b = Buffer.alloc(512);
  b.write(o.name, 0, 100, 'utf8');
  b.write('0000644\0', 100, 'latin1');
  b.write('0001750\0', 108, 'latin1');
  b.write('0001750\0', 116, 'latin1');
  if (o.sizeField) o.sizeField.copy(b, 124);
  else b.write((o.size ?? 0).toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  b.write('14533751400\0', 136, 'latin1');
  b.write(o.flag, 156, 'latin1');
  if (o.linkname !== undefined) b.write(o.linkname, 157, 100, 'utf8');
  if (o.magic !== false) b.write(o.ustar ? 'ustar\x0000' : 'ustar  \0', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(o.cksum ?? sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return b;
}

/** Data padded to whole blocks. */
function body(data: string | Buffer): Buffer {
  const b = Buffer.from(data);
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

const END = Buffer.alloc(1024);

async function sample(): Promise<Buffer> {
  return makeTar([
    { name: 'd', type: 'directory', mode: 0o750 },
    { name: 'd/empty', data: '' },
    { name: 'd/one', data: 'x' },
    { name: 'd/block', data: Buffer.alloc(512, 'b') },
    { name: 'd/more', data: Buffer.alloc(1300, 'm') },
    { name: `long/${'n'.repeat(150)}/file`, data: 'deep' },
    { name: 'ü-utf8-name', data: 'u' },
    { name: 'lnk', type: 'symlink', linkname: 'd/one' },
    { name: 'hard', type: 'link', linkname: 'd/one' },
    { name: 'xa', data: 'xattr', pax: { 'SCHILY.xattr.user.a': 'A', mtime: '1700000000.25', uid: '123456789' } },
    { name: 'fifo', type: 'fifo' },
  ]);
}

test('any chunking yields the same entries and payloads as one push', async () => {
  const archive = await sample();
  const whole = read([archive]).log;
  assert.equal(whole.filter((l) => !l.startsWith('data')).length, 11);
  for (const size of [1, 2, 7, 100, 511, 512, 513, 1000, 1024, 4096]) {
    assert.deepEqual(read(split(archive, size)).log, whole, `chunks of ${size}`);
  }
  for (let at = 0; at <= archive.length; at++) {
    assert.deepEqual(read([archive.subarray(0, at), archive.subarray(at)]).log, whole, `split at ${at}`);
  }
});

test('headers decode as tar-stream decodes them', async () => {
  const archive = await sample();
  const theirs: DecodedHeader[] = [];
  const ex = tar.extract();
  ex.on('entry', (h, stream, next) => {
    theirs.push(h as unknown as DecodedHeader);
    stream.on('end', () => next());
    stream.resume();
  });
  ex.end(archive);
  await new Promise<void>((resolve, reject) => ex.on('finish', () => resolve()).on('error', reject));
  const pick = (h: DecodedHeader): unknown => [h.name, h.type, h.linkname, h.mode, h.uid, h.gid, h.size, h.mtime?.getTime(), h.devmajor, h.devminor, h.pax ?? null];
  assert.deepEqual(read([archive]).headers.map(pick), theirs.map(pick));
});

test('PAX records: global headers ignored, long names and binary xattrs', () => {
  const records = (r: Buffer): Buffer => {
    let len = r.length + 2;
    while (String(len).length + 1 + r.length !== len) len++;
    return Buffer.concat([Buffer.from(`${len} `), r]);
  };
  const bin = Buffer.from([0x00, 0xff, 0x0a, 0x3d]);
  const pax = Buffer.concat([
    records(Buffer.from(`path=${'p'.repeat(120)}\n`)),
    records(Buffer.concat([Buffer.from('SCHILY.xattr.user.bin='), bin, Buffer.from('\n')])),
  ]);
  const archive = Buffer.concat([
    header({ name: 'pax', flag: 'g', size: 20 }), body('18 comment=hello\n'),
    header({ name: 'pax', flag: 'x', size: pax.length, ustar: true }), body(pax),
    header({ name: 'short', flag: '0', size: 3, ustar: true }), body('abc'),
    END,
  ]);
  for (const size of [1, 511, 513, archive.length]) {
    const { log, headers } = read(split(archive, size));
    assert.equal(headers.length, 1);
    assert.equal(headers[0]!.name, 'p'.repeat(120));
    assert.match(log[0]!, /\[user\.bin=00ff0a3d\]$/);
    assert.equal(log[1], 'data abc');
  }
});

test('GNU long names and links, base-256 sizes, ustar prefixes', () => {
  const longName = `${'a'.repeat(200)}/x`;
  const big = Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x58]); // 600
  const prefixed = header({ name: 'leaf', flag: '0', ustar: true });
  prefixed.write('some/prefix', 345, 'latin1');
  prefixed.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of prefixed) sum += x;
  prefixed.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  const archive = Buffer.concat([
    header({ name: '././@LongLink', flag: 'L', size: longName.length + 1 }), body(longName + '\0'),
    header({ name: '././@LongLink', flag: 'K', size: 300 }), body('t'.repeat(300)),
    header({ name: 'truncated', flag: '2' }),
    header({ name: 'big', flag: '0', sizeField: big }), body(Buffer.alloc(600, 'z')),
    prefixed,
    END,
  ]);
  const { headers, log } = read(split(archive, 7));
  assert.deepEqual(headers.map((h) => [h.name, h.type, h.linkname]), [
    [longName, 'symlink', 't'.repeat(300)],
    ['big', 'file', null],
    ['some/prefix/leaf', 'file', null],
  ]);
  assert.equal(headers[1]!.size, 600);
  assert.equal(log[3], `data ${'z'.repeat(600)}`);
});

test('directories carry no payload, old-style "name/" entries included', () => {
  const archive = Buffer.concat([
    header({ name: 'old/', flag: '0', size: 700 }),
    header({ name: 'new', flag: '5', size: 700 }),
    header({ name: 'f', flag: '\0', size: 2 }), body('hi'),
    END,
  ]);
  const { headers, log } = read([archive]);
  assert.deepEqual(headers.map((h) => [h.name, h.type]), [['old/', 'directory'], ['new', 'directory'], ['f', 'file']]);
  assert.match(log[0]!, /payload=0/);
  assert.equal(log.at(-1), 'data hi');
});

test('corrupt headers are rejected', () => {
  assert.throws(() => read([header({ name: 'f', flag: '0', cksum: '0000001\0' })]), /Invalid tar header\. Maybe the tar is corrupted/);
  assert.throws(() => read([Buffer.alloc(3000, 0x41)]), /Invalid tar header/);
  assert.throws(() => read([header({ name: 'f', flag: '0', magic: false })]), /unknown format/);
  assert.throws(() => read([header({ name: 'x', flag: 'x', size: 5 << 20 })]), /Header exceeds max size/);
  // A header that sums to the signed checksum (bytes ≥ 0x80 counted negative) is accepted.
  const signed = header({ name: 'é', flag: '0' });
  let sum = 256;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += signed[i]! < 128 ? signed[i]! : signed[i]! - 256;
  signed.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  assert.equal(read([signed, END]).headers[0]!.name, 'é');
});

test('truncated input fails; input ending between entries or after the end block does not', async () => {
  const archive = await sample();
  const entriesEnd = archive.length - 1024; // tar-stream's pack ends with two zero blocks
  for (const cut of [1, 300, 511, 512 + 1, 1024 + 1, 512 * 4 + 1, entriesEnd - 1]) {
    assert.throws(() => read([archive.subarray(0, cut)]), /Unexpected end of data/, `cut at ${cut}`);
  }
  assert.doesNotThrow(() => read([archive.subarray(0, entriesEnd)]));
  assert.doesNotThrow(() => read([archive.subarray(0, entriesEnd + 512)]));
  assert.doesNotThrow(() => read([archive.subarray(0, entriesEnd + 700)]));
  assert.deepEqual(read([]).log, []);
  assert.deepEqual(read([Buffer.alloc(0)]).log, []);
});

test('everything after the end-of-archive block is consumed unread', async () => {
  const archive = await sample();
  const whole = read([archive]).log;
  const garbage = Buffer.concat([archive, Buffer.alloc(777, 0x41), header({ name: 'late', flag: '0' })]);
  assert.deepEqual(read([garbage]).log, whole);
  assert.deepEqual(read(split(garbage, 100)).log, whole);
});

test('unknown typeflags reach the callback with a null type; sink failures stop the reader', () => {
  const archive = Buffer.concat([header({ name: 'v', flag: 'V', size: 3 }), body('abc'), END]);
  assert.equal(read([archive]).headers[0]!.type, null);
  const reader = new TarReader(() => ({ write: () => { throw new Error('disk full'); }, end: () => {} }));
  assert.throws(() => reader.push(archive), /disk full/);
  assert.throws(() => reader.push(END), /after a failure/);
});
