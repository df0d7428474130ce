import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBind, parseMountSpec, parseVolumesFrom, tmpfsData, tmpfsOptions, validMountMode } from './mount-specs.js';
import type { MountSpec } from './types.js';

const spec = (s: Partial<MountSpec>): MountSpec => ({ type: 'bind', source: '', target: '', readOnly: false, consistency: '', ...s });

test('-v specs become moby mount points, or fail with its messages', () => {
  assert.deepEqual(
    (({ type, name, source, destination, mode, rw, propagation, copyData, anonymous, createSource }) => ({ type, name, source, destination, mode, rw, propagation, copyData, anonymous, createSource }))(parseBind('/h:/d:ro,rshared')),
    { type: 'bind', name: '', source: '/h', destination: '/d', mode: 'ro,rshared', rw: false, propagation: 'rshared', copyData: false, anonymous: false, createSource: true },
  );
  const vol = parseBind('myvol:/data/');
  assert.equal(vol.type, 'volume');
  assert.equal(vol.name, 'myvol');
  assert.equal(vol.destination, '/data');
  assert.equal(vol.copyData, true);
  assert.equal(parseBind('myvol:/data:nocopy').copyData, false);
  assert.equal(parseBind('/only').type, 'volume');
  assert.throws(() => parseBind('/d:rw'), /invalid volume specification: '\/d:rw'/);
  assert.throws(() => parseBind('/h:/d:bogus'), /^BerthError: invalid mode: bogus$|invalid mode: bogus/);
  assert.throws(() => parseBind('/h:/'), /invalid volume specification: '\/h:\/': invalid mount config for type "bind": invalid specification: destination can't be '\/'/);
  assert.throws(() => parseBind('v:rel'), /invalid mount path: 'rel' mount path must be absolute/);
  assert.throws(() => parseBind('v:/d:rshared'), /field BindOptions must not be specified/);
  assert.throws(() => parseBind('/h:/d:nocopy'), /field VolumeOptions must not be specified/);
  assert.throws(() => parseBind(':/d'), /invalid volume specification/);
  assert.ok(validMountMode('ro,z,rslave,nocopy,cached'));
  assert.ok(!validMountMode('ro,rw'));
});

test('--mount specs: checks per type, tmpfs options, volumes-from modes', () => {
  assert.throws(() => parseMountSpec(spec({ source: '/nope', target: '/x' }), () => false), /invalid mount config for type "bind": bind source path does not exist: \/nope/);
  assert.equal(parseMountSpec(spec({ source: '/nope', target: '/x', bindOptions: { propagation: '', nonRecursive: false, createMountpoint: true } }), () => false).createSource, true);
  assert.throws(() => parseMountSpec(spec({ type: 'tmpfs', source: 'x', target: '/t' }), () => true), /field Source must not be specified/);
  assert.throws(() => parseMountSpec(spec({ type: 'volume', target: '/v', readOnly: true }), () => true), /must not set ReadOnly mode when using anonymous volumes/);
  assert.throws(() => parseMountSpec(spec({ type: 'nfs', target: '/v' }), () => true), /invalid mount config for type "nfs": mount type unknown/);
  assert.throws(() => parseMountSpec(spec({ type: 'bind', source: '/a', target: '/v', bindOptions: { propagation: 'sideways', nonRecursive: false, createMountpoint: false } }), () => true), /invalid propagation mode: sideways/);
  assert.equal(parseMountSpec(spec({ type: 'tmpfs', target: '/t', tmpfsOptions: { sizeBytes: 2 << 20, mode: 0o1770 } }), () => true).tmpfsData, 'mode=1770,size=2m');
  assert.equal(tmpfsData({ sizeBytes: 1000, mode: 0 }, true), 'ro,size=1000');
  assert.deepEqual(tmpfsOptions(''), ['noexec', 'nosuid', 'nodev', 'rprivate']);
  assert.deepEqual(tmpfsOptions('exec,size=1m,size=2m'), ['nosuid', 'nodev', 'rprivate', 'exec', 'size=2m']);
  assert.throws(() => tmpfsOptions('foo=1'), /invalid tmpfs option \["foo" "1"\]/);
  assert.deepEqual(parseVolumesFrom('web:ro'), { container: 'web', rw: false });
  assert.deepEqual(parseVolumesFrom('web'), { container: 'web', rw: true });
  assert.throws(() => parseVolumesFrom('web:rshared'), /invalid mode: rshared/);
});
