// Expected mounts and messages are what the docker CLI 28.2.2 sent and printed for the same
// values (captured on the wire against a logging Engine API server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { parseMount, parseVolumeSpec, readCsvRecord, splitVolumeFlags } from './mount-opts.js';

test('--mount: HostConfig.Mounts entries as docker marshals them', () => {
  const cases: [string, string][] = [
    ['type=bind,source=/x,target=/y,readonly,bind-propagation=rshared', '{"Type":"bind","Source":"/x","Target":"/y","ReadOnly":true,"BindOptions":{"Propagation":"rshared"}}'],
    ['type=bind,src=rel,dst=/y,ro=0', '{"Type":"bind","Source":"rel","Target":"/y"}'],
    ['type=bind,src=~/x,destination=/y,ro=1,consistency=Cached', '{"Type":"bind","Source":"~/x","Target":"/y","ReadOnly":true,"Consistency":"cached"}'],
    ['type=bind,src=/x,target=/y,bind-nonrecursive', '{"Type":"bind","Source":"/x","Target":"/y","BindOptions":{"NonRecursive":true}}'],
    ['type=bind,src=/x,target=/y,bind-recursive=disabled', '{"Type":"bind","Source":"/x","Target":"/y","BindOptions":{"NonRecursive":true}}'],
    ['type=bind,src=/x,target=/y,bind-recursive=writable,ro', '{"Type":"bind","Source":"/x","Target":"/y","ReadOnly":true,"BindOptions":{"ReadOnlyNonRecursive":true}}'],
    ['type=bind,src=/x,target=/y,bind-recursive=readonly,ro,bind-propagation=rprivate', '{"Type":"bind","Source":"/x","Target":"/y","ReadOnly":true,"BindOptions":{"Propagation":"rprivate","ReadOnlyForceRecursive":true}}'],
    ['type=bind,src=/x,target=/y,bind-recursive=enabled', '{"Type":"bind","Source":"/x","Target":"/y"}'],
    ['type=bind,src=/x,dst=/y,bind-propagation=RSLAVE,consistency=delegated', '{"Type":"bind","Source":"/x","Target":"/y","Consistency":"delegated","BindOptions":{"Propagation":"rslave"}}'],
    ['src=vol,target=/data', '{"Type":"volume","Source":"vol","Target":"/data"}'],
    ['target=/data', '{"Type":"volume","Target":"/data"}'],
    ['Source=/x,TARGET=/y', '{"Type":"volume","Source":"/x","Target":"/y"}'],
    ['type=volume,src=vol,dst=/data,volume-nocopy', '{"Type":"volume","Source":"vol","Target":"/data","VolumeOptions":{"NoCopy":true,"DriverConfig":{}}}'],
    ['type=volume,src=vol,dst=/data,volume-nocopy=false', '{"Type":"volume","Source":"vol","Target":"/data","VolumeOptions":{"DriverConfig":{}}}'],
    [
      'type=volume,src=vol,dst=/data,volume-driver=local,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=a=b,volume-label=c,volume-label==x',
      '{"Type":"volume","Source":"vol","Target":"/data","VolumeOptions":{"Labels":{"a":"b","c":""},"DriverConfig":{"Name":"local","Options":{"device":"tmpfs","type":"tmpfs"}}}}',
    ],
    ['type=volume,src=vol,dst=/data,volume-subpath=sub/dir', '{"Type":"volume","Source":"vol","Target":"/data","VolumeOptions":{"Subpath":"sub/dir","DriverConfig":{}}}'],
    ['type=volume,src=vol,dst=/data,volume-opt=o', '{"Type":"volume","Source":"vol","Target":"/data","VolumeOptions":{"DriverConfig":{"Options":{"o":""}}}}'],
    ['type=volume,target=/y,volume-opt==x', '{"Type":"volume","Target":"/y","VolumeOptions":{"DriverConfig":{}}}'],
    ['type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770', '{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":67108864,"Mode":1016}}'],
    ['type=tmpfs,dst=/t,tmpfs-size=1.5g', '{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1610612736}}'],
    ['type=tmpfs,target=/y,tmpfs-size=10 KB', '{"Type":"tmpfs","Target":"/y","TmpfsOptions":{"SizeBytes":10240}}'],
    ['type=tmpfs,target=/y,tmpfs-size=1.5', '{"Type":"tmpfs","Target":"/y","TmpfsOptions":{"SizeBytes":1}}'],
    ['type=tmpfs,dst=/t,tmpfs-size=0', '{"Type":"tmpfs","Target":"/t","TmpfsOptions":{}}'],
    ['type=tmpfs,target=/y,tmpfs-mode=37777777777', '{"Type":"tmpfs","Target":"/y","TmpfsOptions":{"Mode":4294967295}}'],
    ['type=tmpfs,target=/t,ro', '{"Type":"tmpfs","Target":"/t","ReadOnly":true}'],
    ['Type=TMPFS,Target=/t', '{"Type":"tmpfs","Target":"/t"}'],
    ['type=image,src=busybox,dst=/img,image-subpath=/bin', '{"Type":"image","Source":"busybox","Target":"/img","ImageOptions":{"Subpath":"/bin"}}'],
    ['type=bogus,src=x,dst=/y', '{"Type":"bogus","Source":"x","Target":"/y"}'],
    ['type=bind,"src=/a,b",target=/y', '{"Type":"bind","Source":"/a,b","Target":"/y"}'],
    ['type=bind,"src=/a""q",target=/y', '{"Type":"bind","Source":"/a\\"q","Target":"/y"}'],
    ['type=bind,src= /x,target=/y', '{"Type":"bind","Source":" /x","Target":"/y"}'],
    ['type=bind,src=/x,target=/y\nmore', '{"Type":"bind","Source":"/x","Target":"/y"}'],
    ['type=bind,"src=/x\nz",target=/y', '{"Type":"bind","Source":"/x\\nz","Target":"/y"}'],
    ['\r\ntype=tmpfs,target=/t\r\n', '{"Type":"tmpfs","Target":"/t"}'],
  ];
  for (const [value, want] of cases) assert.equal(JSON.stringify(parseMount(value)), want, JSON.stringify(value));
});

test('--mount: ./ and ../ sources become absolute', () => {
  assert.equal(parseMount('type=bind,src=./rel,dst=/y').Source, resolve('rel'));
  assert.equal(parseMount('type=bind,src=../rel,dst=/y').Source, resolve('..', 'rel'));
  assert.equal(parseMount('type=bind,src=./a/../b/,target=/y').Source, resolve('b'));
});

test('--mount: bind-nonrecursive=<bool> warns that it is deprecated', () => {
  const warnings: string[] = [];
  assert.deepEqual(parseMount('type=bind,src=/x,target=/y,bind-nonrecursive=true', (w) => warnings.push(w)).BindOptions, { NonRecursive: true });
  assert.deepEqual(warnings, ['bind-nonrecursive is deprecated, use bind-recursive=disabled instead']);
});

test('--mount: docker\'s messages for bad values', () => {
  const cases: [string, string][] = [
    ['type=bind,src=/x,target=/y,bind-recursive=bogus', 'invalid value for bind-recursive: bogus (must be "enabled", "disabled", "writable", or "readonly")'],
    ['type=bind,src=/x,target=/y,bind-recursive=writable', "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction"],
    ['type=bind,src=/x,target=/y,bind-recursive=readonly,ro', "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"],
    ['type=volume,src=vol,dst=/data,volume-nocopy=maybe', 'invalid value for volume-nocopy: maybe'],
    ['type=bind,src=/x,target=/y,bind-nonrecursive=maybe', 'invalid value for bind-nonrecursive: maybe'],
    ['type=bind,source=/x,target=/y,readonly=maybe', 'invalid value for readonly: maybe'],
    ['type=tmpfs,dst=/t,tmpfs-size=lots', 'invalid value for tmpfs-size: lots'],
    ['type=tmpfs,target=/y,tmpfs-size=-1', 'invalid value for tmpfs-size: -1'],
    ['type=tmpfs,dst=/t,tmpfs-mode=999', 'invalid value for tmpfs-mode: 999'],
    ['type=tmpfs,dst=/t,tmpfs-mode=0o755', 'invalid value for tmpfs-mode: 0o755'],
    ['type=tmpfs,target=/y,tmpfs-mode=+7', 'invalid value for tmpfs-mode: +7'],
    ['type=tmpfs,target=/y,tmpfs-mode=', 'invalid value for tmpfs-mode: '],
    ['type=tmpfs,target=/y,tmpfs-mode=40000000000', 'invalid value for tmpfs-mode: 40000000000'],
    ['type=tmpfs,target=/t,volume-nocopy', "cannot mix 'volume-*' options with mount type 'tmpfs'"],
    ['type=volume,target=/t,tmpfs-size=1m', "cannot mix 'tmpfs-*' options with mount type 'volume'"],
    ['type=volume,target=/t,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'volume'"],
    ['type=volume,src=v,dst=/i,image-subpath=/bin', "cannot mix 'image-*' options with mount type 'volume'"],
    ['type=bind,src=/x', 'target is required'],
    ['type=,dst=/y', 'type is required'],
    ['type=bind,source=/x,target=/y,bogus=1', "unexpected key 'bogus' in 'bogus=1'"],
    ['type=bind, src=/x,target=/y', "unexpected key ' src' in ' src=/x'"],
    ['=x,target=/y', "unexpected key '' in '=x'"],
    ['type=bind,source=/x,target=/y,bogus', "invalid field 'bogus' must be a key=value pair"],
    ['type=bind,src=/x,dst=/y,bind-create-src', "invalid field 'bind-create-src' must be a key=value pair"],
    ['type=bind,source=/x,target=/y,,', "invalid field '' must be a key=value pair"],
    [' ', "invalid field ' ' must be a key=value pair"],
    ['', 'EOF'],
    ['type=bind,source=/a"b,target=/y', 'parse error on line 1, column 20: bare " in non-quoted-field'],
    ['type=bind,src=é",target=/y', 'parse error on line 1, column 17: bare " in non-quoted-field'],
    ['type=bind,"src=/a"x,target=/y', 'parse error on line 1, column 18: extraneous or missing " in quoted-field'],
    ['type=bind,"src=/a', 'parse error on line 1, column 18: extraneous or missing " in quoted-field'],
    ['type=bind,"src=/x\nz"q,target=/y', 'record on line 1; parse error on line 2, column 2: extraneous or missing " in quoted-field'],
    ['type=bind,"src=/x\nz,target=/y', 'record on line 1; parse error on line 2, column 12: extraneous or missing " in quoted-field'],
  ];
  for (const [value, message] of cases) assert.throws(() => parseMount(value), { message }, JSON.stringify(value));
});

test('readCsvRecord: the first record only, empty lines skipped', () => {
  assert.deepEqual(readCsvRecord('a,b\nc,d'), ['a', 'b']);
  assert.deepEqual(readCsvRecord('\n\na,"b\nc",d'), ['a', 'b\nc', 'd']);
  assert.deepEqual(readCsvRecord('a,'), ['a', '']);
  assert.deepEqual(readCsvRecord('"",x'), ['', 'x']);
});

test('-v: ParseVolume decides bind, named or anonymous', () => {
  assert.deepEqual(parseVolumeSpec('/a:/b'), { source: '/a', type: 'bind' });
  assert.deepEqual(parseVolumeSpec('./a:/b:ro'), { source: './a', type: 'bind' });
  assert.deepEqual(parseVolumeSpec('~/a:/b'), { source: '~/a', type: 'bind' });
  assert.deepEqual(parseVolumeSpec('named:/data:nocopy'), { source: 'named', type: 'volume' });
  assert.deepEqual(parseVolumeSpec('/anon'), { source: '', type: 'volume' });
  assert.deepEqual(parseVolumeSpec('c:/foo'), { source: '', type: 'volume' });
  assert.deepEqual(parseVolumeSpec('c:/foo:/bar'), { source: 'c:/foo', type: 'bind' });
  assert.deepEqual(parseVolumeSpec('::'), { source: '', type: 'volume' });
  assert.throws(() => parseVolumeSpec(''), { message: 'invalid empty volume spec' });
  assert.throws(() => parseVolumeSpec('/a::/b'), { message: 'invalid spec: /a::/b: empty section between colons' });
  assert.throws(() => parseVolumeSpec('/a:/b:'), { message: 'invalid spec: /a:/b:: empty section between colons' });
  assert.throws(() => parseVolumeSpec(':/b'), { message: 'invalid spec: :/b: empty section between colons' });
  assert.throws(() => parseVolumeSpec('/a:/b:ro:extra'), { message: 'invalid spec: /a:/b:ro:extra: too many colons' });
});

test('-v: binds and anonymous volumes split as docker sends them', () => {
  const r = splitVolumeFlags(['./rel:/b:ro', '../x:/y:rw,z', 'rel:/z', '.:/dot', '/c', 'vol:/b', 'vol:/b', 'a']);
  assert.deepEqual(r.binds, [`${resolve('rel')}:/b:ro`, `${resolve('..', 'x')}:/y:rw,z`, 'rel:/z', `${process.cwd()}:/dot`, 'vol:/b']);
  assert.deepEqual(r.volumes, ['/c', 'a']);
});
