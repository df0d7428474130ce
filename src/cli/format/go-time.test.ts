// Expected strings are what Go (go1.24) prints for a time.Time decoded from the same JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoTime, readTzif } from './go-time.js';

const utcLocal = (): { offsetMinutes: number; name: string } => ({ offsetMinutes: 0, name: 'UTC' });
const cetLocal = (): { offsetMinutes: number; name: string } => ({ offsetMinutes: 60, name: 'CET' });

test('GoTime: String() and MarshalJSON keep the offset; a local offset takes the local name', () => {
  const t = new GoTime('2026-11-24T05:00:00.123456789Z', utcLocal);
  assert.equal(String(t), '2026-11-24 05:00:00.123456789 +0000 UTC');
  assert.equal(t.toJSON(), '2026-11-24T05:00:00.123456789Z');
  assert.equal(String(new GoTime('2026-11-20T01:02:03.50+01:00', utcLocal)), '2026-11-20 01:02:03.5 +0100 +0100');
  assert.equal(new GoTime('2026-11-20T01:02:03.50+01:00', utcLocal).toJSON(), '2026-11-20T01:02:03.5+01:00');
  assert.equal(String(new GoTime('2026-11-20T01:02:03.5+01:00', cetLocal)), '2026-11-20 01:02:03.5 +0100 CET');
  assert.equal(String(new GoTime('2026-11-20T01:02:03+00:00', utcLocal)), '2026-11-20 01:02:03 +0000 UTC');
  assert.equal(new GoTime('2026-11-20T01:02:03+00:00', utcLocal).toJSON(), '2026-11-20T01:02:03Z');
  assert.equal(String(new GoTime('0001-01-01T00:00:00Z', utcLocal)), '0001-01-01 00:00:00 +0000 UTC');
  assert.equal(String(new GoTime('not a time', utcLocal)), 'not a time');
});

test('GoTime: methods and Format layouts', () => {
  const t = new GoTime('2026-01-05T21:02:03.000000001Z', utcLocal);
  assert.equal(t.Format('Mon Jan _2 3:04PM .000 .999 -07 Z07 002 __2 _2006'), 'Mon Jan  5 9:02PM .000  +00 Z 005   5 _2026');
  const s = new GoTime('2026-11-20T01:02:03.12+11:00', utcLocal);
  assert.equal(s.Format('Mon Jan _2 3:04PM .000 .999 -07 Z07 002 __2 _2006'), 'Fri Nov 20 1:02AM .120 .12 +11 +11 324 324 _2026');
  assert.equal(s.Format('2006-01-02T15:04:05Z07:00 MST Monday January pm'), '2026-11-20T01:02:03+11:00 +1100 Friday November am');
  assert.equal(s.Year(), 2026);
  assert.equal(s.Month(), 'November');
  assert.equal(s.Unix(), 1795096923);
  assert.equal(new GoTime('0001-01-01T00:00:00Z', utcLocal).Format('Mon 2006'), 'Mon 0001');
  assert.ok(new GoTime('0001-01-01T00:00:00Z', utcLocal).IsZero());
});

test('readTzif: abbreviations by offset from the POSIX footer', () => {
  // A minimal TZif v2 file: no transitions, one type (CET), footer "CET-1CEST,M3.5.0,M10.5.0/3".
  const header = (ver: string, typecnt: number, charcnt: number): Buffer => {
    const b = Buffer.alloc(44);
    b.write('TZif', 0, 'latin1');
    b.write(ver, 4, 'latin1');
    b.writeUInt32BE(typecnt, 36);
    b.writeUInt32BE(charcnt, 40);
    return b;
  };
  const type = Buffer.from([0, 0, 0x0e, 0x10, 0, 0]);
  const chars = Buffer.from('CET\0', 'latin1');
  const data = Buffer.concat([header('2', 1, 4), type, chars, header('2', 1, 4), type, chars, Buffer.from('\nCET-1CEST,M3.5.0,M10.5.0/3\n', 'latin1')]);
  const out = new Map<number, string>();
  readTzif(data, out);
  assert.deepEqual([...out.entries()].sort(), [[3600, 'CET'], [7200, 'CEST']]);
});
