import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConfig } from './config.js';
import { parseHost } from './listeners.js';

test('config: defaults, clash between flag and file, debug implies log level', () => {
  const c = mergeConfig({}, {});
  assert.deepEqual(c.hosts, ['unix:///run/berth/berthd.sock']);
  assert.equal(c.dataRoot, '/var/lib/berth');
  assert.equal(mergeConfig({ debug: true }, {}).logLevel, 'debug');
  assert.equal(mergeConfig({ tlsVerify: true }, {}).tls, true);
  assert.throws(() => mergeConfig({ dataRoot: '/a' }, { dataRoot: '/b' }), /specified both as a flag and in the configuration file: data-root/);
});

test('-H addresses parse as dockerd does', () => {
  assert.deepEqual(parseHost('unix:///run/x.sock', false), { proto: 'unix', addr: '/run/x.sock' });
  assert.deepEqual(parseHost('tcp://127.0.0.1:2375', false), { proto: 'tcp', addr: '127.0.0.1', port: 2375 });
  assert.deepEqual(parseHost('tcp://0.0.0.0', true), { proto: 'tcp', addr: '0.0.0.0', port: 2376 });
  assert.deepEqual(parseHost('tcp://[::1]:2375', false), { proto: 'tcp', addr: '::1', port: 2375 });
  assert.deepEqual(parseHost('fd://', false), { proto: 'fd', addr: '' });
  assert.throws(() => parseHost('http://x', false), /invalid bind address format/);
  assert.throws(() => parseHost('tcp://host:99999', false), /invalid bind address format/);
});
