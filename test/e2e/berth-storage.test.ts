import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, cliFor, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;

describe('the berth CLI manages volumes and mounts as the docker CLI does', { skip: !isRoot }, () => {
  let d: TestDaemon;
  let host: string;
  const { run: b, ok } = cliFor('berth', () => d);

  before(async () => {
    d = await startDaemon();
    host = mkdtempSync(join(tmpdir(), 'berth-cli-vol-'));
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
    rmSync(host, { recursive: true, force: true });
  });

  test('volume create, ls, inspect, rm and prune print what docker prints', () => {
    assert.equal(ok(['volume', 'create', '--label', 'k=v', 'bv1']), 'bv1\n');
    ok(['volume', 'create', 'bv2']);
    assert.equal(ok(['volume', 'ls']), 'DRIVER    VOLUME NAME\nlocal     bv1\nlocal     bv2\n');
    assert.equal(ok(['volume', 'ls', '-q', '--filter', 'label=k=v']), 'bv1\n');
    assert.equal(ok(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Labels}}', 'bv1']), 'bv1 local map[k:v]\n');
    if (hasDocker) {
      // Same bytes as docker's own rendering of the same daemon's answers.
      for (const args of [['volume', 'ls'], ['volume', 'inspect', 'bv1', 'bv2'], ['volume', 'ls', '--format', '{{json .}}']]) {
        assert.equal(ok(args), docker(d.host, args).stdout, args.join(' '));
      }
    }
    const missing = b(['volume', 'rm', 'bv1', 'nope']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, 'bv1\n');
    assert.match(missing.stderr, /no such volume/);
    ok(['run', '--name', 'user', '-v', '/anon', 'busybox', 'true']);
    ok(['rm', 'user']);
    const pruned = ok(['volume', 'prune', '-f']);
    assert.match(pruned, /^Deleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: 0B\n$/);
    assert.equal(ok(['volume', 'ls', '-q']), 'bv2\n');
    assert.match(ok(['volume', 'prune', '-a', '-f']), /bv2/);
  });

  test('run -v, --mount and --tmpfs through berth', () => {
    ok(['run', '--rm', '-v', 'data:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
    assert.equal(ok(['run', '--rm', '--mount', 'type=volume,src=data,dst=/d,readonly', 'busybox', 'cat', '/d/f']), 'kept\n');
    ok(['run', '--rm', '--mount', `type=bind,source=${host},target=/h`, 'busybox', 'sh', '-c', 'echo via-berth > /h/x']);
    assert.equal(readFileSync(join(host, 'x'), 'utf8'), 'via-berth\n');
    assert.match(ok(['run', '--rm', '--tmpfs', '/t:size=1m', 'busybox', 'grep', ' /t ', '/proc/mounts']), /size=1024k/);
    const bad = b(['run', '--rm', '--mount', 'type=bind,target=/x', 'busybox', 'true']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid mount config for type "bind": field Source must not be empty/);
    assert.match(ok(['system', 'df', '-v']), /VOLUME NAME\s+LINKS\s+SIZE\ndata\s+0\s+5B/);
    ok(['volume', 'rm', 'data']);
  });
});
