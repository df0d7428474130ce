// Expected values come from docker/cli's formatter tests (container_test.go, displayutils_test.go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerRow, displayablePorts, ellipsis, type WireContainer } from './ps.js';

test('displayablePorts groups and orders ports as docker ps shows them', () => {
  const cases: [Parameters<typeof displayablePorts>[0], string][] = [
    [[{ PrivatePort: 9988, Type: 'tcp' }], '9988/tcp'],
    [[{ IP: '0.0.0.0', PrivatePort: 9988, Type: 'tcp' }], '0.0.0.0:0->9988/tcp'],
    [[{ IP: '::', PrivatePort: 9988, Type: 'tcp' }], '[::]:0->9988/tcp'],
    [[{ PrivatePort: 9988, PublicPort: 8899, Type: 'tcp' }], '9988/tcp'],
    [[{ IP: '4.3.2.1', PrivatePort: 9988, PublicPort: 8899, Type: 'tcp' }], '4.3.2.1:8899->9988/tcp'],
    [[{ IP: '::1', PrivatePort: 9988, PublicPort: 9988, Type: 'tcp' }], '[::1]:9988->9988/tcp'],
    [[{ PrivatePort: 9988, Type: 'udp' }, { PrivatePort: 9988, Type: 'udp' }], '9988/udp, 9988/udp'],
    [[{ IP: '1.2.3.4', PublicPort: 9998, PrivatePort: 9998, Type: 'udp' }, { IP: '1.2.3.4', PublicPort: 9999, PrivatePort: 9999, Type: 'udp' }], '1.2.3.4:9998-9999->9998-9999/udp'],
    [[{ IP: '1.2.3.4', PublicPort: 8887, PrivatePort: 9998, Type: 'udp' }, { IP: '1.2.3.4', PublicPort: 8888, PrivatePort: 9999, Type: 'udp' }], '1.2.3.4:8887->9998/udp, 1.2.3.4:8888->9999/udp'],
    [[{ PrivatePort: 9998, Type: 'udp' }, { PrivatePort: 9999, Type: 'udp' }], '9998-9999/udp'],
    [[{ IP: '1.2.3.4', PrivatePort: 6677, PublicPort: 7766, Type: 'tcp' }, { PrivatePort: 9988, PublicPort: 8899, Type: 'udp' }], '9988/udp, 1.2.3.4:7766->6677/tcp'],
  ];
  for (const [ports, want] of cases) assert.equal(displayablePorts(ports), want, JSON.stringify(ports));
});

test('ellipsis cuts to display columns with a trailing …', () => {
  assert.equal(ellipsis('t🐳ststring', 0), '');
  assert.equal(ellipsis('t🐳ststring', 1), 't');
  assert.equal(ellipsis('t🐳ststring', 2), 't…');
  assert.equal(ellipsis('t🐳ststring', 6), 't🐳st…');
  assert.equal(ellipsis('t🐳ststring', 20), 't🐳ststring');
  assert.equal(ellipsis('你好世界teststring', 1), '你');
  assert.equal(ellipsis('你好世界teststring', 3), '你…');
  assert.equal(ellipsis('你好世界teststring', 6), '你好…');
  assert.equal(ellipsis('sh -c echo started; sleep 300', 20), 'sh -c echo started;…');
});

test('containerRow: docker ps columns, truncated or not', () => {
  const c: WireContainer = {
    Id: 'ab'.repeat(32), Names: ['/web', '/other/alias'], Image: 'docker.io/library/busybox:latest@sha256:' + '0'.repeat(64), ImageID: 'sha256:' + 'c'.repeat(64),
    Command: 'sh -c "echo started; sleep 300"', Created: 0, Ports: null, Labels: { b: '2', a: '1' }, State: 'running', Status: 'Up 1 second', Mounts: [{ Name: 'averyveryverylongvolumename', Driver: 'local' }],
    NetworkSettings: { Networks: { bridge: {} } },
  };
  const short = containerRow(c, true);
  assert.equal(short.ID, 'ab'.repeat(6));
  assert.equal(short.Names, 'web');
  assert.equal(short.Image, 'busybox:latest');
  assert.equal(short.Command, '"sh -c \\"echo started…"');
  assert.equal(short.Labels, 'a=1,b=2');
  assert.equal(short.Mounts, 'averyveryveryl…');
  assert.equal(short.LocalVolumes, '1');
  assert.equal(short.Networks, 'bridge');
  assert.equal((short.Label as (n: string) => string)('b'), '2');
  const full = containerRow(c, false);
  assert.equal(full.Names, 'web,other/alias');
  assert.equal(full.Image, c.Image);
  assert.equal(full.Command, '"sh -c \\"echo started; sleep 300\\""');
  // `{{json .}}` keys: docker's ContainerContext methods without arguments, in order.
  assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(full)) as object), ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Platform', 'Ports', 'RunningFor', 'Size', 'State', 'Status']);
});
