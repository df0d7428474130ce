import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCgroupStats } from './cgroup-stats.js';

// This VM runs cgroup v1; a v2 tree laid out as the kernel writes it checks the v2 reading.
test('cgroup v2 files read as Docker stats', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-cg2-'));
  try {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    const dir = join(root, 'berth', 'abc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\nthrottled_usec 30\n');
    writeFileSync(join(dir, 'memory.current'), '4096000\n');
    writeFileSync(join(dir, 'memory.max'), '67108864\n');
    writeFileSync(join(dir, 'memory.stat'), 'anon 1000\nfile 2000\ninactive_file 500\n');
    writeFileSync(join(dir, 'pids.current'), '3\n');
    writeFileSync(join(dir, 'io.stat'), '8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n');
    const s = readCgroupStats('/berth/abc', root);
    assert.deepEqual(s.cpu_stats.cpu_usage, { total_usage: 1_500_000, usage_in_kernelmode: 500_000, usage_in_usermode: 1_000_000 });
    assert.deepEqual(s.cpu_stats.throttling_data, { periods: 7, throttled_periods: 2, throttled_time: 30_000 });
    assert.equal(s.memory_stats.usage, 4096000);
    assert.equal(s.memory_stats.limit, 67108864);
    assert.equal(s.memory_stats.stats.inactive_file, 500);
    assert.equal(s.pids_stats.current, 3);
    assert.deepEqual(s.blkio_stats.io_service_bytes_recursive, [
      { major: 8, minor: 0, op: 'read', value: 4096 },
      { major: 8, minor: 0, op: 'write', value: 8192 },
    ]);
    // "max" is no limit: Docker shows the host's memory.
    writeFileSync(join(dir, 'memory.max'), 'max\n');
    assert.ok(readCgroupStats('/berth/abc', root).memory_stats.limit > 67108864);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
