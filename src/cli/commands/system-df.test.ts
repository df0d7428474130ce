// Expected output is what the docker CLI 28.2.2 printed for the same `GET /system/df` reply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDiskUsage, type WireDiskUsage } from './system-df.js';

const vol = (name: string, usage: { Size: number; RefCount: number }) => ({
  CreatedAt: '2026-11-24T05:00:00Z', Driver: 'local', Labels: null, Mountpoint: `/var/lib/berth/volumes/${name}/_data`, Name: name, Options: null, Scope: 'local', UsageData: usage,
});
const DF: WireDiskUsage = {
  LayersSize: 0,
  Images: [],
  Containers: [],
  Volumes: [vol('vol10', { Size: -1, RefCount: 0 }), vol('vol2', { Size: 4096, RefCount: 0 }), vol('abc', { Size: 123456, RefCount: 2 })],
  BuildCache: [],
};

test('system df: the Local Volumes row counts used volumes and sizes known', () => {
  assert.equal(
    renderDiskUsage(DF, {}),
    [
      'TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE',
      'Images          0         0         0B        0B',
      'Containers      0         0         0B        0B',
      'Local Volumes   3         1         127.6kB   4.096kB (3%)',
      'Build Cache     0         0         0B        0B',
      '',
    ].join('\n'),
  );
  assert.equal(renderDiskUsage(DF, { format: 'json' }).split('\n')[2], '{"Active":"1","Reclaimable":"4.096kB (3%)","Size":"127.6kB","TotalCount":"3","Type":"Local Volumes"}');
});

test('system df -v: a table per kind, volumes as VOLUME NAME / LINKS / SIZE in the daemon\'s order', () => {
  assert.equal(
    renderDiskUsage(DF, { verbose: true }),
    [
      'Images space usage:',
      '',
      'REPOSITORY   TAG       IMAGE ID   CREATED   SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS',
      '',
      'Containers space usage:',
      '',
      'CONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES',
      '',
      'Local Volumes space usage:',
      '',
      'VOLUME NAME   LINKS     SIZE',
      'vol10         0         -1B',
      'vol2          0         4.096kB',
      'abc           2         123.5kB',
      '',
      'Build cache usage: 0B',
      '',
      'CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED',
      '',
    ].join('\n'),
  );
  assert.equal(renderDiskUsage(DF, { verbose: true, format: '{{range .Volumes}}{{.Name}}={{.Size}} {{end}}' }), 'vol10=-1B vol2=4.096kB abc=123.5kB ');
});

test('system df: images and containers columns', () => {
  const df: WireDiskUsage = {
    ...DF,
    LayersSize: 12500000,
    Images: [
      { Id: 'sha256:' + 'a'.repeat(64), RepoTags: ['busybox:latest'], RepoDigests: [], Created: 1700000000, Size: 4261550, SharedSize: 0, Containers: 2 },
      { Id: 'sha256:' + 'b'.repeat(64), RepoTags: [], RepoDigests: [], Created: 1710000000, Size: 1234567, SharedSize: -1, Containers: 0 },
    ],
    Containers: [
      { Id: '1'.repeat(64), Names: ['/web'], Image: 'busybox', ImageID: '', Command: 'sh', Created: 0, Ports: [], SizeRw: 12345, SizeRootFs: 1, Labels: {}, State: 'running', Status: 'Up', Mounts: [] },
      { Id: '2'.repeat(64), Names: ['/old'], Image: 'busybox', ImageID: '', Command: 'sh', Created: 0, Ports: [], SizeRw: 6789, SizeRootFs: 1, Labels: {}, State: 'exited', Status: 'Exited', Mounts: [] },
    ],
  };
  const rows = renderDiskUsage(df, {}).split('\n');
  assert.equal(rows[1], 'Images          2         1         12.5MB    8.238MB (65%)');
  assert.equal(rows[2], 'Containers      2         1         19.13kB   6.789kB (35%)');
  const verbose = renderDiskUsage(df, { verbose: true }).split('\n');
  assert.equal(verbose[3]!.replace(/\d+ years ago/, 'N years ago'), 'busybox      latest    aaaaaaaaaaaa   N years ago   4.26MB    0B            4.262MB       2');
  assert.equal(verbose[4]!.replace(/\d+ years ago/, 'N years ago'), '<none>       <none>    bbbbbbbbbbbb   N years ago   1.23MB    N/A           N/A           0');
});
