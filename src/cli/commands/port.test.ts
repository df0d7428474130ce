// Expected lines and messages are what the docker CLI 28.2.2 printed for the same inspect reply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portLines, type PortMap } from './port.js';

const PORTS: PortMap = {
  '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }],
  '443/tcp': null,
  '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
  '9000/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }],
  '10000/tcp': [{ HostIp: '0.0.0.0', HostPort: '10000' }],
  '8/sctp': [{ HostIp: '', HostPort: '8' }],
  '81/tcp': [],
};

test('port: every mapping, in natural order, IPv6 in brackets', () => {
  assert.deepEqual(portLines(PORTS, 'web'), [
    '8/sctp -> :8',
    '53/udp -> 127.0.0.1:5353',
    '80/tcp -> 0.0.0.0:8080',
    '80/tcp -> [::]:8080',
    '9000/tcp -> 0.0.0.0:32768',
    '10000/tcp -> 0.0.0.0:10000',
  ]);
  assert.deepEqual(portLines({}, 'quiet'), []);
  assert.deepEqual(portLines(null, 'quiet'), []);
});

test('port PRIVATE_PORT[/PROTO]: tcp by default', () => {
  assert.deepEqual(portLines(PORTS, 'web', '80'), ['0.0.0.0:8080', '[::]:8080']);
  assert.deepEqual(portLines(PORTS, 'web', '80/tcp'), ['0.0.0.0:8080', '[::]:8080']);
  assert.deepEqual(portLines(PORTS, 'web', '80/'), ['0.0.0.0:8080', '[::]:8080']);
  assert.deepEqual(portLines(PORTS, 'web', '53/udp'), ['127.0.0.1:5353']);
  assert.deepEqual(portLines(PORTS, 'web', '8/sctp'), [':8']);
});

test('port: docker\'s errors', () => {
  for (const p of ['53', '443', '81', '80/TCP', '080']) assert.throws(() => portLines(PORTS, 'web', p), { message: `Error: No public port '${p}' published for web` });
  assert.throws(() => portLines(PORTS, 'web', 'abc'), { message: 'Error: invalid port (abc): strconv.ParseUint: parsing "abc": invalid syntax' });
  assert.throws(() => portLines(PORTS, 'web', '70000'), { message: 'Error: invalid port (70000): strconv.ParseUint: parsing "70000": value out of range' });
  assert.throws(() => portLines(PORTS, 'web', '/tcp'), { message: 'Error: invalid port (): strconv.ParseUint: parsing "": invalid syntax' });
});
