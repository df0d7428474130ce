// Expected output is what the docker CLI 28.2.2 printed for the same Engine API replies (a
// logging server answered both CLIs with these volumes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.js';
import { inspectVolumes, normalizeVolume, renderPruneReport, renderVolumeList, volumeCreateBody, type WireVolume } from './volumes.js';
import { naturalCompare } from '../format/natural-sort.js';

const vol = (name: string, extra: Partial<WireVolume> = {}): WireVolume => ({
  CreatedAt: '2026-11-24T05:00:00Z', Driver: 'local', Labels: null, Mountpoint: `/var/lib/berth/volumes/${name}/_data`, Name: name, Options: null, Scope: 'local', ...extra,
});
const VOLS = [vol('vol10'), vol('vol2', { Labels: { b: '2', a: '1' }, Options: { type: 'tmpfs' } }), vol('abc', { UsageData: { Size: 123456, RefCount: 2 } })];
const SORTED = [...VOLS].sort((a, b) => naturalCompare(a.Name, b.Name));

test('volume ls: natural order, default table, -q, raw', () => {
  assert.deepEqual(SORTED.map((v) => v.Name), ['abc', 'vol2', 'vol10']);
  assert.equal(renderVolumeList(SORTED, {}), 'DRIVER    VOLUME NAME\nlocal     abc\nlocal     vol2\nlocal     vol10\n');
  assert.equal(renderVolumeList(SORTED, { format: 'table' }), renderVolumeList(SORTED, {}));
  assert.equal(renderVolumeList(SORTED, { quiet: true }), 'abc\nvol2\nvol10\n');
  assert.equal(renderVolumeList(SORTED, { quiet: true, format: 'table' }), 'abc\nvol2\nvol10\n');
  assert.equal(renderVolumeList([], {}), 'DRIVER    VOLUME NAME\n');
  assert.equal(renderVolumeList(SORTED.slice(0, 2), { format: 'raw' }), 'name: abc\ndriver: local\n\nname: vol2\ndriver: local\n\n');
});

test('volume ls --format: json keys, fields, table templates, Label header', () => {
  const json = renderVolumeList(SORTED, { format: 'json', quiet: true }).split('\n');
  assert.equal(json[0], '{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"","Links":"2","Mountpoint":"/var/lib/berth/volumes/abc/_data","Name":"abc","Scope":"local","Size":"123.5kB","Status":"N/A"}');
  assert.equal(json[1], '{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"b=2,a=1","Links":"N/A","Mountpoint":"/var/lib/berth/volumes/vol2/_data","Name":"vol2","Scope":"local","Size":"N/A","Status":"N/A"}');
  assert.equal(
    renderVolumeList(SORTED, { format: '{{.Name}}|{{.Labels}}|{{.Links}}|{{.Size}}|{{.Scope}}|{{.Label "a"}}|{{.Group}}' }),
    'abc||2|123.5kB|local||N/A\nvol2|b=2,a=1|N/A|N/A|local|1|N/A\nvol10||N/A|N/A|local||N/A\n',
  );
  assert.equal(
    renderVolumeList(SORTED, { format: 'table {{.Name}}\\t{{.Links}}\\t{{.Size}}\\t{{.Labels}}\\t{{.Mountpoint}}\\t{{.Scope}}' }),
    [
      'VOLUME NAME   LINKS     SIZE      LABELS    MOUNTPOINT                           SCOPE',
      'abc           2         123.5kB             /var/lib/berth/volumes/abc/_data     local',
      'vol2          N/A       N/A       b=2,a=1   /var/lib/berth/volumes/vol2/_data    local',
      'vol10         N/A       N/A                 /var/lib/berth/volumes/vol10/_data   local',
      '',
    ].join('\n'),
  );
  assert.equal(renderVolumeList(SORTED.slice(1, 2), { format: 'table {{.Name}}\\t{{.Label "a"}}' }), 'VOLUME NAME   a\nvol2          1\n');
  assert.throws(() => renderVolumeList(SORTED, { format: '{{.Nope}}' }), {
    message: 'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.volumeContext',
  });
});

test('volume create: the body docker sends', () => {
  assert.equal(JSON.stringify(volumeCreateBody({ driver: 'local', name: '' })), '{"Driver":"local"}');
  assert.equal(
    JSON.stringify(volumeCreateBody({ driver: 'local', name: 'myvol', label: ['c', 'a=b'], opt: ['type=tmpfs', 'o=size=100m', 'device=tmpfs'] })),
    '{"Driver":"local","DriverOpts":{"device":"tmpfs","o":"size=100m","type":"tmpfs"},"Labels":{"a":"b","c":""},"Name":"myvol"}',
  );
  assert.equal(JSON.stringify(volumeCreateBody({ driver: '', name: 'z', label: [' x=y'] })), '{"Labels":{" x":"y"},"Name":"z"}');
  assert.equal(JSON.stringify(volumeCreateBody({ driver: 'local', name: 'q', opt: ['novalue', 'k=v=w', 'k=last'] })), '{"Driver":"local","DriverOpts":{"k":"last","novalue":""},"Name":"q"}');
});

test('volume inspect: Go struct order and sorted maps, indented or compact', async () => {
  const lines: string[] = [];
  const fetch = async (n: string): Promise<WireVolume> => {
    const v = VOLS.find((x) => x.Name === n);
    if (!v) throw new Error(`Error response from daemon: get ${n}: no such volume`);
    return Promise.resolve({ ...v, UsageData: v.UsageData ? { Size: v.UsageData.Size, RefCount: v.UsageData.RefCount } : null });
  };
  await inspectVolumes((t) => lines.push(t), ['vol2'], undefined, fetch);
  assert.equal(lines.pop(), '[\n    {\n        "CreatedAt": "2026-11-24T05:00:00Z",\n        "Driver": "local",\n        "Labels": {\n            "a": "1",\n            "b": "2"\n        },\n        "Mountpoint": "/var/lib/berth/volumes/vol2/_data",\n        "Name": "vol2",\n        "Options": {\n            "type": "tmpfs"\n        },\n        "Scope": "local"\n    }\n]\n');
  await inspectVolumes((t) => lines.push(t), ['vol2', 'abc'], 'json', fetch);
  assert.equal(
    lines.pop(),
    '[{"CreatedAt":"2026-11-24T05:00:00Z","Driver":"local","Labels":{"a":"1","b":"2"},"Mountpoint":"/var/lib/berth/volumes/vol2/_data","Name":"vol2","Options":{"type":"tmpfs"},"Scope":"local"},{"CreatedAt":"2026-11-24T05:00:00Z","Driver":"local","Labels":null,"Mountpoint":"/var/lib/berth/volumes/abc/_data","Name":"abc","Options":null,"Scope":"local","UsageData":{"RefCount":2,"Size":123456}}]\n',
  );
  await inspectVolumes((t) => lines.push(t), ['vol10', 'abc'], '{{.Labels}}|{{.Options}}|{{.UsageData}}|{{json .Labels}}|{{.Status}}|{{.CreatedAt}}', fetch);
  assert.equal(lines.pop(), 'map[]|map[]|<nil>|null|map[]|2026-11-24T05:00:00Z\nmap[]|map[]|{2 123456}|null|map[]|2026-11-24T05:00:00Z\n');
  await inspectVolumes((t) => lines.push(t), ['vol2'], '{{.Name}} {{.Labels}} {{json .Options}} {{index .Labels "a"}}', fetch);
  assert.equal(lines.pop(), 'vol2 map[a:1 b:2] {"type":"tmpfs"} 1\n');
});

test('volume inspect: errors after the output, status 1; a bad template, status 64', async () => {
  const fetch = async (n: string): Promise<WireVolume> => {
    const v = VOLS.find((x) => x.Name === n);
    return v ? Promise.resolve(v) : Promise.reject(new Error(`Error response from daemon: get ${n}: no such volume`));
  };
  const out: string[] = [];
  await assert.rejects(inspectVolumes((t) => out.push(t), ['nosuch'], undefined, fetch), (err: unknown) => err instanceof StatusError && err.status === 1 && err.message === 'Error response from daemon: get nosuch: no such volume');
  assert.deepEqual(out, ['[]\n']);
  await assert.rejects(inspectVolumes((t) => out.push(t), ['vol10'], 'xx{{.UsageData.Size}}', fetch), {
    message: 'template parsing error: template: :1:14: executing "" at <.UsageData.Size>: nil pointer evaluating *volume.UsageData.Size',
  });
  await assert.rejects(inspectVolumes((t) => out.push(t), ['vol10'], '{{.Nope}}', fetch), {
    message: 'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type volume.Volume',
  });
  assert.deepEqual(out.slice(1), ['\n', '\n']);
  await assert.rejects(inspectVolumes((t) => out.push(t), ['vol10'], '{{', fetch), (err: unknown) => err instanceof StatusError && err.status === 64 && err.message === 'template parsing error: template: :1: unclosed action');
});

test('normalizeVolume drops what docker\'s struct does not hold', () => {
  const v = normalizeVolume({ ...vol('x', { CreatedAt: '', Status: {}, UsageData: null }), Extra: 1 } as WireVolume);
  assert.equal(JSON.stringify(v), '{"Driver":"local","Labels":null,"Mountpoint":"/var/lib/berth/volumes/x/_data","Name":"x","Options":null,"Scope":"local"}');
});

test('volume prune report', () => {
  assert.equal(renderPruneReport({ VolumesDeleted: ['vol10', 'abc'], SpaceReclaimed: 2048 }), 'Deleted Volumes:\nvol10\nabc\n\nTotal reclaimed space: 2.048kB\n');
  // docker counts the space only when something was deleted.
  assert.equal(renderPruneReport({ VolumesDeleted: null, SpaceReclaimed: 2048 }), 'Total reclaimed space: 0B\n');
});
