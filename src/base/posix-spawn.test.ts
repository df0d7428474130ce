import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { spawnDetached } from './posix-spawn.js';

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  await once(s, 'end');
  return out;
}

test('a spawned program gets its cwd, its environment and its pipes, and its exit code is reaped', async () => {
  const child = await spawnDetached('/bin/sh', ['-c', 'pwd; echo "$FOO"; read line <&3; echo "got $line"; exit 3'], {
    cwd: '/tmp',
    env: { FOO: 'bar', PATH: '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'ignore', 'pipe'],
  });
  child.stdio[3]!.end('hello\n');
  assert.equal(await readAll(child.stdio[1]!), '/tmp\nbar\ngot hello\n');
  assert.deepEqual(await child.exited, { code: 3, signal: null });
  for (const s of child.stdio) s?.destroy();
});

test('a spawned program leads a session of its own, with no signal ignored or blocked, and no descriptor of ours', async () => {
  const child = await spawnDetached('/bin/sh', ['-c', 'cat /proc/self/status; ls /proc/self/fd; exec sleep 30'], { cwd: '/', env: {}, stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    let out = '';
    child.stdio[1]!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 100 && !/^\d+\n\d+\n\d+\n\d+\n$/m.test(out.split('SigCgt')[1] ?? ''); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(out, /SigIgn:\s+0{16}/);
    assert.match(out, /SigBlk:\s+0{16}/);
    // 0, 1, 2 and the one `ls` opened to list them.
    assert.deepEqual(out.split('\n').filter((l) => /^\d+$/.test(l)).map(Number).filter((fd) => fd > 3), []);
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    assert.equal(Number(fields[3]), child.pid, 'session id');
  } finally {
    child.kill('SIGKILL');
  }
  assert.deepEqual(await child.exited, { code: null, signal: 'SIGKILL' });
  // Reaped: its PID may be another process's now, and is left alone.
  child.kill('SIGKILL');
  for (const s of child.stdio) s?.destroy();
});

test('a program that does not exist: posix_spawn\'s own error, and nothing left open', async () => {
  await assert.rejects(spawnDetached('/nonexistent/program', [], { cwd: '/', env: {}, stdio: ['ignore', 'pipe'] }), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
});
