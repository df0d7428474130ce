import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStoppedRunc } from './runc-state.js';

const isRoot = process.getuid?.() === 0;
const pidsRoot = '/sys/fs/cgroup/pids';
const canCgroup = isRoot && existsSync(join(pidsRoot, 'cgroup.procs'));

function startTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/** A runc root holding one container's state.json, as runc 1.1 writes it (the fields read). */
function stateDir(id: string, state: object): string {
  const root = mkdtempSync(join(tmpdir(), 'runc-state-'));
  mkdirSync(join(root, id));
  writeFileSync(join(root, id, 'state.json'), JSON.stringify(state));
  writeFileSync(join(root, id, 'exec.fifo'), '');
  return root;
}

const ownPidNs = { namespaces: [{ type: 'NEWNS', path: '' }, { type: 'NEWPID', path: '' }], Hooks: null };

test('an exited container: its cgroups and runc state go, with no runc', { skip: !canCgroup }, async () => {
  const id = `berth-unit-${process.pid}-a`;
  const cg = join(pidsRoot, id);
  mkdirSync(cg);
  const root = stateDir(id, { init_process_pid: 999_999_999, init_process_start: 1, cgroup_paths: { pids: cg, '': cg }, config: ownPidNs });
  assert.equal(await removeStoppedRunc(root, id), true);
  assert.equal(existsSync(cg), false);
  assert.equal(existsSync(join(root, id)), false);
});

test('no state for the id: nothing to do', async () => {
  const root = mkdtempSync(join(tmpdir(), 'runc-state-'));
  assert.equal(await removeStoppedRunc(root, 'gone'), true);
});

test('what needs runc itself is left untouched: a live init, hooks, a shared PID namespace, foreign paths, busy cgroups', { skip: !canCgroup }, async () => {
  const live = spawn('sleep', ['30'], { stdio: 'ignore' });
  await once(live, 'spawn');
  const id = `berth-unit-${process.pid}-b`;
  const cg = join(pidsRoot, id);
  mkdirSync(cg);
  try {
    const cases: [string, object][] = [
      ['live init', { init_process_pid: live.pid, init_process_start: startTicks(live.pid!), cgroup_paths: { pids: cg }, config: ownPidNs }],
      ['hooks', { cgroup_paths: { pids: cg }, config: { ...ownPidNs, Hooks: { poststop: [{ path: '/bin/true' }] } } }],
      ['no PID namespace', { cgroup_paths: { pids: cg }, config: { namespaces: [{ type: 'NEWNS', path: '' }] } }],
      ['joined PID namespace', { cgroup_paths: { pids: cg }, config: { namespaces: [{ type: 'NEWPID', path: '/proc/1/ns/pid' }] } }],
      ['foreign path', { cgroup_paths: { pids: '/tmp/x' }, config: ownPidNs }],
      ['unknown format', { cgroup_paths: { pids: cg } }],
    ];
    for (const [what, state] of cases) {
      const root = stateDir(id, state);
      assert.equal(await removeStoppedRunc(root, id), false, what);
      assert.ok(existsSync(join(root, id, 'state.json')), what);
      assert.ok(existsSync(cg), what);
    }
    // A process still in the cgroup keeps it busy past the retries: runc's turn.
    writeFileSync(join(cg, 'cgroup.procs'), String(live.pid));
    const root = stateDir(id, { cgroup_paths: { pids: cg }, config: ownPidNs });
    assert.equal(await removeStoppedRunc(root, id), false);
    assert.ok(existsSync(join(root, id, 'state.json')));
  } finally {
    live.kill('SIGKILL');
    await once(live, 'exit');
    for (let i = 0; i < 50 && existsSync(cg); i++) {
      try {
        rmdirSync(cg);
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
});
