import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { LogPrinter, shortName } from './compose-logs.js';
import type { ContainerSummary } from '../../compose/index.js';

const container = (name: string, labels: Record<string, string>): ContainerSummary => ({ Id: 'x', Names: [`/${name}`], Image: '', ImageID: '', Command: '', Created: 0, State: 'running', Status: '', Ports: [], Labels: labels });

test('log prefixes: service-number names padded to the longest, coloured only when asked', () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString()));
  const p = new LogPrinter(out, false);
  p.register('web-1');
  p.register('worker-10');
  p.line('web-1', 'hello');
  p.line('worker-10', 'hi');
  p.status('web-1', 'exited with code 0');
  assert.equal(text, 'web-1      | hello\nworker-10  | hi\nweb-1 exited with code 0\n');
  const colored = new PassThrough();
  let ctext = '';
  colored.on('data', (b: Buffer) => (ctext += b.toString()));
  const c = new LogPrinter(colored, true);
  c.register('a-1');
  c.register('b-1');
  c.line('a-1', 'x');
  c.line('b-1', 'y');
  assert.equal(ctext, '\x1b[36ma-1  |\x1b[0m x\n\x1b[33mb-1  |\x1b[0m y\n');
  const bare = new PassThrough();
  let btext = '';
  bare.on('data', (b: Buffer) => (btext += b.toString()));
  const n = new LogPrinter(bare, false, false);
  n.register('a-1');
  n.line('a-1', 'raw');
  assert.equal(btext, 'raw\n');
});

test('shortName: proj-svc-N as svc-N; container_name and one-off containers keep their names', () => {
  const labels = { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', 'com.docker.compose.container-number': '2', 'com.docker.compose.oneoff': 'False' };
  assert.equal(shortName(container('shop-web-2', labels)), 'web-2');
  assert.equal(shortName(container('custom', labels)), 'custom');
  assert.equal(shortName(container('shop-web-run-0123456789ab', { ...labels, 'com.docker.compose.oneoff': 'True' })), 'shop-web-run-0123456789ab');
});
