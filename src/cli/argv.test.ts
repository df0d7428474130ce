import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { normalizeBooleanFlags } from './argv.js';

const program = new Command('berth').option('-H, --host <host>');
program.command('run').option('--rm').option('--sig-proxy', '', true).option('--no-sig-proxy').option('--name <string>').option('-e, --env <list>');
program.command('ps').option('--no-trunc').option('-a, --all');
program.command('container').command('ls').option('-a, --all');

const norm = (...args: string[]): string[] => normalizeBooleanFlags(program, ['node', 'berth', ...args]).slice(2);

test('docker-style boolean values become commander flags', () => {
  assert.deepEqual(norm('run', '--rm=true', '--sig-proxy=false', 'busybox'), ['run', '--rm', '--no-sig-proxy', 'busybox']);
  assert.deepEqual(norm('run', '--rm=false', '--sig-proxy=true', 'busybox'), ['run', '--sig-proxy', 'busybox']);
  assert.deepEqual(norm('ps', '--no-trunc=false', '--all=true'), ['ps', '--all']);
  assert.deepEqual(norm('-H', 'unix:///x', 'container', 'ls', '--all=false'), ['-H', 'unix:///x', 'container', 'ls']);
  // Short flags too, as pflag takes them (`-q=true`).
  assert.deepEqual(norm('ps', '-a=true'), ['ps', '-a']);
  assert.deepEqual(norm('container', 'ls', '-a=false'), ['container', 'ls']);
});

test('option values, the image and the command after it are left alone', () => {
  assert.deepEqual(norm('run', '--name', '--rm=true', 'busybox', 'echo', '--rm=false'), ['run', '--name', '--rm=true', 'busybox', 'echo', '--rm=false']);
  assert.deepEqual(norm('run', '-e', 'A=true', '--', '--rm=true'), ['run', '-e', 'A=true', '--', '--rm=true']);
  assert.deepEqual(norm('nosuchcommand', '--rm=true'), ['nosuchcommand', '--rm=true']);
});
