import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, cliFor, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;

interface MountJson {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

const mountedUnder = (dir: string): string[] =>
  readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((p) => p.startsWith(dir));

describe('volumes, bind mounts and tmpfs through the real docker CLI', { skip: !isRoot || !hasDocker }, () => {
  let d: TestDaemon;
  let host: string;
  const { run: dk, ok, fails } = cliFor('docker', () => d);
  const mounts = (ref: string): MountJson[] => JSON.parse(ok(['inspect', '-f', '{{json .Mounts}}', ref])) as MountJson[];
  const volumeNames = (): string[] => ok(['volume', 'ls', '-q']).split('\n').filter(Boolean).sort();

  before(async () => {
    d = await startDaemon();
    host = mkdtempSync(join(tmpdir(), 'berth-vol-host-'));
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs());
    // An image with content under a VOLUME, owned and moded unlike a fresh volume.
    ok(['run', '--name', 'seed', 'busybox', 'sh', '-c', 'mkdir -p /data && echo from-image > /data/seed && chown 123:456 /data && chmod 750 /data']);
    ok(['commit', '-c', 'VOLUME /data', 'seed', 'volimg']);
    ok(['rm', 'seed']);
  });
  after(async () => {
    await d.cleanup();
    rmSync(host, { recursive: true, force: true });
  });

  test('volume create, ls with filters, inspect, rm: Docker-shaped, with Docker errors', () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    assert.equal(ok(['volume', 'create', '--label', 'team=a', 'v1']), 'v1\n');
    ok(['volume', 'create', 'v2']);
    const v = JSON.parse(ok(['volume', 'inspect', 'v1'])) as Record<string, unknown>[];
    assert.equal(v.length, 1);
    assert.deepEqual(Object.keys(v[0]!).sort(), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    assert.equal(v[0]!.Driver, 'local');
    assert.equal(v[0]!.Scope, 'local');
    assert.deepEqual(v[0]!.Labels, { team: 'a' });
    assert.equal(v[0]!.Mountpoint, join(d.dataRoot, 'volumes', 'v1', '_data'));
    assert.ok(statSync(v[0]!.Mountpoint as string).isDirectory());
    assert.match(v[0]!.CreatedAt as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Creating an existing name returns it unchanged.
    assert.equal(ok(['volume', 'create', 'v1']), 'v1\n');
    assert.deepEqual(ok(['volume', 'ls', '-q', '--filter', 'label=team=a']).split('\n').filter(Boolean), ['v1']);
    assert.deepEqual(ok(['volume', 'ls', '-q', '--filter', 'name=v2']).split('\n').filter(Boolean), ['v2']);
    assert.deepEqual(ok(['volume', 'ls', '-q', '--filter', 'driver=local']).split('\n').filter(Boolean).sort(), ['v1', 'v2']);
    assert.match(ok(['volume', 'ls']), /^DRIVER\s+VOLUME NAME\nlocal\s+v1\nlocal\s+v2\n$/);
    assert.equal(ok(['volume', 'ls', '--format', '{{.Name}} {{.Driver}}', '--filter', 'name=v1']), 'v1 local\n');
    fails(['volume', 'inspect', 'nope'], /get nope: no such volume/);
    fails(['volume', 'create', 'a/b'], /"a\/b" includes invalid characters for a local volume name/);
    fails(['volume', 'create', '-o', 'foo=bar', 'bad'], /create bad: invalid option: "foo"/);
    fails(['volume', 'create', '-o', 'type=tmpfs', 'bad'], /create bad: missing required option: "device"/);
    fails(['volume', 'ls', '--filter', 'colour=red'], /invalid filter 'colour'/);
    assert.equal(volumeNames().includes('bad'), false);
    assert.equal(ok(['volume', 'rm', 'v1', 'v2']), 'v1\nv2\n');
    fails(['volume', 'rm', 'v1'], /no such volume/);
    ok(['volume', 'rm', '-f', 'v1']);
    assert.deepEqual(volumeNames(), []);
    const events = ok(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}']);
    assert.match(events, /^create v1 local\ncreate v2 local\ndestroy v1 local\ndestroy v2 local\n$/);
  });

  test('-v name:/dst persists data across containers and berthd restarts; :ro refuses writes', async () => {
    ok(['run', '--rm', '-v', 'data1:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
    assert.equal(ok(['run', '--rm', '-v', 'data1:/data', 'busybox', 'cat', '/data/f']), 'kept\n');
    const ro = dk(['run', '--rm', '-v', 'data1:/data:ro', 'busybox', 'sh', '-c', 'cat /data/f; echo x > /data/g']);
    assert.equal(ro.code, 1);
    assert.equal(ro.stdout, 'kept\n');
    assert.match(ro.stderr, /Read-only file system/);
    await d.stop();
    await d.restart();
    assert.equal(ok(['run', '--rm', '-v', 'data1:/data', 'busybox', 'cat', '/data/f']), 'kept\n');
    ok(['volume', 'rm', 'data1']);
  });

  test('inspect shows Mounts as Docker does, and rm -v removes anonymous volumes only', () => {
    const id = ok(['create', '-v', '/anon', '-v', 'named1:/named', '-v', `${host}:/h:ro`, '--mount', 'type=volume,dst=/m', '--mount', 'type=tmpfs,dst=/t', 'busybox', 'true']).trim();
    const m = mounts(id);
    const by = (dest: string): MountJson => m.find((x) => x.Destination === dest)!;
    assert.deepEqual(m.map((x) => x.Destination).sort(), ['/anon', '/h', '/m', '/named', '/t']);
    assert.match(by('/anon').Name!, /^[0-9a-f]{64}$/);
    assert.equal(by('/anon').Mode, '');
    assert.equal(by('/anon').Source, join(d.dataRoot, 'volumes', by('/anon').Name!, '_data'));
    assert.deepEqual({ ...by('/named'), Source: '' }, { Type: 'volume', Name: 'named1', Source: '', Destination: '/named', Driver: 'local', Mode: 'z', RW: true, Propagation: '' });
    assert.deepEqual(by('/h'), { Type: 'bind', Source: host, Destination: '/h', Mode: 'ro', RW: false, Propagation: 'rprivate' });
    assert.equal(by('/m').Mode, 'z');
    assert.deepEqual(by('/t'), { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' });
    const anon = JSON.parse(ok(['volume', 'inspect', by('/anon').Name!])) as { Labels: Record<string, string> }[];
    assert.deepEqual(anon[0]!.Labels, { 'com.docker.volume.anonymous': '' });
    // In use, even by a stopped container.
    fails(['volume', 'rm', 'named1'], new RegExp(`remove named1: volume is in use - \\[${id}\\]`));
    assert.deepEqual(ok(['volume', 'ls', '-q', '--filter', 'dangling=true']), '');
    assert.equal(ok(['ps', '-aq', '--no-trunc', '--filter', 'volume=named1']), `${id}\n`);
    assert.equal(ok(['ps', '-aq', '--no-trunc', '--filter', 'volume=/h']), `${id}\n`);
    assert.equal(ok(['ps', '-aq', '--filter', 'volume=other']), '');
    ok(['rm', '-v', id]);
    assert.deepEqual(volumeNames(), ['named1']);
    assert.equal(ok(['volume', 'ls', '-q', '--filter', 'dangling=true']), 'named1\n');
    ok(['volume', 'rm', 'named1']);
    // --rm removes the anonymous volume too.
    ok(['run', '--rm', '-v', '/scratch', 'busybox', 'true']);
    assert.deepEqual(volumeNames(), []);
  });

  test("an empty volume is filled with the image's files, owner and mode; nocopy and binds are not", () => {
    assert.equal(ok(['run', '--rm', 'volimg', 'cat', '/data/seed']), 'from-image\n');
    ok(['run', '--rm', '-v', 'seeded:/data', 'volimg', 'true']);
    assert.equal(ok(['run', '--rm', '-v', 'seeded:/data', 'busybox', 'cat', '/data/seed']), 'from-image\n');
    assert.equal(ok(['run', '--rm', '-v', 'seeded:/data', 'busybox', 'stat', '-c', '%u:%g %a', '/data']), '123:456 750\n');
    // A volume that has content keeps it.
    ok(['run', '--rm', '-v', 'seeded:/data', 'busybox', 'sh', '-c', 'echo mine > /data/seed']);
    assert.equal(ok(['run', '--rm', '-v', 'seeded:/data', 'volimg', 'cat', '/data/seed']), 'mine\n');
    assert.equal(ok(['run', '--rm', '--mount', 'type=volume,src=nocopy1,dst=/data,volume-nocopy', 'volimg', 'ls', '-A', '/data']), '');
    mkdirSync(join(host, 'empty'));
    assert.equal(ok(['run', '--rm', '-v', `${join(host, 'empty')}:/data`, 'volimg', 'ls', '-A', '/data']), '');
    ok(['volume', 'rm', 'seeded', 'nocopy1']);
  });

  test('bind mounts: -v creates a missing host dir, --mount refuses it; ro, propagation and errors', () => {
    const made = join(host, 'made', 'deep');
    ok(['run', '--rm', '-v', `${made}:/x`, 'busybox', 'sh', '-c', 'echo in > /x/f']);
    assert.equal(readFileSync(join(made, 'f'), 'utf8'), 'in\n');
    assert.equal(statSync(made).mode & 0o777, 0o755);
    const missing = join(host, 'missing');
    fails(['run', '--rm', '--mount', `type=bind,src=${missing},dst=/x`, 'busybox', 'true'], new RegExp(`invalid mount config for type "bind": bind source path does not exist: ${missing}`));
    assert.equal(existsSync(missing), false);
    writeFileSync(join(host, 'file.txt'), 'a file\n');
    assert.equal(ok(['run', '--rm', '--mount', `type=bind,src=${join(host, 'file.txt')},dst=/etc/file.txt,readonly`, 'busybox', 'cat', '/etc/file.txt']), 'a file\n');
    fails(['run', '--rm', '--mount', `type=bind,src=${host},dst=/h,readonly`, 'busybox', 'touch', '/h/new'], /Read-only file system/);
    assert.equal(existsSync(join(host, 'new')), false);
    // A shared propagation needs a shared source mount: Docker's error when it is private.
    const priv = join(host, 'private');
    mkdirSync(priv);
    const r = dk(['run', '--rm', '-v', `${priv}:/p:rshared`, 'busybox', 'true']);
    const rootShared = /shared:/.test(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === '/') ?? '');
    if (rootShared) assert.equal(r.code, 0, r.stderr);
    else assert.match(r.stderr, /is mounted on .* but it is not a shared mount/);
    // On a shared source mount, an rshared bind works and mounts made later on the host show up inside.
    const sharedDir = join(host, 'shared');
    mkdirSync(sharedDir);
    assert.equal(spawnSync('mount', ['--bind', sharedDir, sharedDir]).status, 0);
    try {
      assert.equal(spawnSync('mount', ['--make-shared', sharedDir]).status, 0);
      const cid = ok(['run', '-d', '-v', `${sharedDir}:/s:rshared`, 'busybox', 'sleep', '30']).trim();
      mkdirSync(join(sharedDir, 'later'));
      assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'latertmpfs', join(sharedDir, 'later')]).status, 0);
      assert.match(ok(['exec', cid, 'grep', ' /s/later ', '/proc/mounts']), /^latertmpfs \/s\/later tmpfs/);
      assert.equal(mounts(cid).find((m) => m.Destination === '/s')?.Propagation, 'rshared');
      ok(['rm', '-f', cid]);
    } finally {
      spawnSync('umount', ['-R', '-l', sharedDir]);
    }
    fails(['run', '--rm', '-v', `${host}:/`, 'busybox', 'true'], /invalid volume specification: '.*:\/': invalid mount config for type "bind": invalid specification: destination can't be '\/'/);
    fails(['run', '--rm', '-v', 'rel/dir:/x', 'busybox', 'true'], /"rel\/dir" includes invalid characters for a local volume name.*use absolute path/);
    fails(['run', '--rm', '-v', `${host}:/x:bogus`, 'busybox', 'true'], /invalid mode: bogus/);
    fails(['run', '--rm', '-v', `${host}:/x`, '-v', `${made}:/x`, 'busybox', 'true'], /Duplicate mount point: \/x/);
    fails(['run', '--rm', '--mount', 'type=bind,src=relative,dst=/x', 'busybox', 'true'], /invalid mount config for type "bind": invalid mount path: 'relative' mount path must be absolute/);
    fails(['run', '--rm', '--mount', 'type=volume,dst=/x,readonly', 'busybox', 'true'], /must not set ReadOnly mode when using anonymous volumes/);
    // Nothing half-made: no container and no volume came of the failures.
    assert.equal(ok(['ps', '-aq']), '');
    assert.deepEqual(volumeNames(), []);
  });

  test('the API answers bad mount input with 400 and an in-use volume with 409, as Docker does', async () => {
    const status = async (method: string, path: string, body?: object): Promise<[number, string]> => {
      const res = await d.client.raw(method, path, body ? { body } : {});
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return [res.statusCode ?? 0, (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { message?: string }).message ?? ''];
    };
    const create = (hostConfig: object): Promise<[number, string]> => status('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: hostConfig });
    const [s1, m1] = await create({ Binds: ['/tmp:/'] });
    assert.equal(s1, 400, m1);
    assert.match(m1, /destination can't be '\/'/);
    assert.equal((await create({ Binds: ['rel/path:/x'] }))[0], 400);
    assert.equal((await create({ Mounts: [{ Type: 'bind', Source: '/no/such/dir', Target: '/x' }] }))[0], 400);
    assert.equal((await create({ Mounts: [{ Type: 'bogus', Target: '/x' }] }))[0], 400);
    assert.equal((await create({ Tmpfs: { relative: '' } }))[0], 400);
    assert.equal((await status('POST', '/volumes/create', { Name: 'x/y' }))[0], 400);
    assert.equal((await status('POST', '/volumes/create', { Name: 'opts', DriverOpts: { nope: '1' } }))[0], 400);
    const id = ok(['create', '-v', 'busy:/b', 'busybox', 'true']).trim();
    const [s2, m2] = await status('DELETE', '/volumes/busy');
    assert.equal(s2, 409, m2);
    assert.equal((await status('GET', '/volumes/nope'))[0], 404);
    ok(['rm', '-v', id]);
    ok(['volume', 'rm', 'busy']);
    assert.deepEqual(volumeNames(), []);
    assert.equal(ok(['ps', '-aq']), '');
  });

  test('volume-subpath mounts a directory of the volume; a symlink in it cannot lead out to the host', () => {
    ok(['run', '--rm', '-v', 'subvol:/v', 'busybox', 'sh', '-c', 'mkdir -p /v/sub && echo in-sub > /v/sub/f && ln -s / /v/esc && ln -s /etc /v/etc-link']);
    assert.equal(ok(['run', '--rm', '--mount', 'type=volume,src=subvol,dst=/x,volume-subpath=sub', 'busybox', 'cat', '/x/f']), 'in-sub\n');
    // "/" and "/etc" are taken inside the volume: its root, and a missing path (refused).
    assert.deepEqual(ok(['run', '--rm', '--mount', 'type=volume,src=subvol,dst=/x,volume-subpath=esc', 'busybox', 'ls', '/x']).split(/\s+/).filter(Boolean).sort(), ['esc', 'etc-link', 'sub']);
    fails(['run', '--rm', '--mount', 'type=volume,src=subvol,dst=/x,volume-subpath=etc-link', 'busybox', 'ls', '/x'], /cannot access path/);
    fails(['run', '--rm', '--mount', 'type=volume,src=subvol,dst=/x,volume-subpath=../..', 'busybox', 'true'], /subpath must be a relative path within the volume/);
    ok(['volume', 'rm', 'subvol']);
  });

  test('--mount volume-opt and volume-label create the volume with them; prune takes label filters', () => {
    ok(['run', '--rm', '--mount', 'type=volume,src=optvol,dst=/o,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=2m,volume-label=made=by-mount', 'busybox', 'sh', '-c', 'grep " /o " /proc/mounts']);
    const v = JSON.parse(ok(['volume', 'inspect', 'optvol']))[0] as { Options: Record<string, string>; Labels: Record<string, string> };
    assert.deepEqual(v.Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=2m' });
    assert.deepEqual(v.Labels, { made: 'by-mount' });
    ok(['volume', 'rm', 'optvol']);
    ok(['volume', 'create', '--label', 'keep=no', 'p1']);
    ok(['volume', 'create', '--label', 'keep=yes', 'p2']);
    assert.match(ok(['volume', 'prune', '-af', '--filter', 'label=keep=no']), /Deleted Volumes:\np1\n/);
    assert.deepEqual(volumeNames(), ['p2']);
    assert.match(ok(['volume', 'prune', '-af', '--filter', 'label!=keep=yes']), /Total reclaimed space: 0B/);
    assert.deepEqual(volumeNames(), ['p2']);
    ok(['volume', 'rm', 'p2']);
  });

  test('tmpfs: --tmpfs and --mount type=tmpfs with size and mode, noexec by default', () => {
    const out = ok(['run', '--rm', '--tmpfs', '/t1:size=1m', '--mount', 'type=tmpfs,dst=/t2,tmpfs-size=2m,tmpfs-mode=1770', 'busybox', 'sh', '-c', 'grep -E " /t[12] " /proc/mounts; stat -c %a /t2']);
    assert.match(out, /tmpfs \/t1 tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k/);
    assert.match(out, /tmpfs \/t2 tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=1770/);
    assert.match(out, /\n1770\n$/);
    assert.match(ok(['run', '--rm', '--tmpfs', '/t:exec', 'busybox', 'grep', ' /t ', '/proc/mounts']), /tmpfs \/t tmpfs rw,nosuid,nodev,relatime/);
    fails(['run', '--rm', '--tmpfs', '/t:foo', 'busybox', 'true'], /invalid tmpfs option \["foo"\]/);
    fails(['run', '--rm', '--tmpfs', 'relative', 'busybox', 'true'], /invalid mount path: 'relative' mount path must be absolute/);
  });

  test('--volumes-from shares volumes and binds, :ro makes them read-only', () => {
    ok(['run', '-d', '--name', 'src', '-v', 'shared:/s', '-v', `${host}:/h`, 'busybox', 'sleep', '60']);
    ok(['run', '--rm', '--volumes-from', 'src', 'busybox', 'sh', '-c', 'echo via-from > /s/f']);
    assert.equal(ok(['exec', 'src', 'cat', '/s/f']), 'via-from\n');
    fails(['run', '--rm', '--volumes-from', 'src:ro', 'busybox', 'touch', '/s/g'], /Read-only file system/);
    const id = ok(['create', '--volumes-from', 'src:ro', 'busybox', 'true']).trim();
    const m = mounts(id);
    assert.deepEqual(m.map((x) => [x.Destination, x.RW, x.Mode]), [['/h', false, ''], ['/s', false, '']]);
    fails(['run', '--rm', '--volumes-from', 'nope', 'busybox', 'true'], /No such container: nope/);
    ok(['rm', '-f', 'src', id]);
    ok(['volume', 'rm', 'shared']);
  });

  test('option volumes: a tmpfs and a bind-backed volume are mounted while used, unmounted after', () => {
    ok(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'tv']);
    const tvData = join(d.dataRoot, 'volumes', 'tv', '_data');
    assert.match(ok(['run', '--rm', '-v', 'tv:/t', 'busybox', 'grep', ' /t ', '/proc/mounts']), /^tmpfs \/t tmpfs rw,relatime,size=1024k/);
    assert.deepEqual(mountedUnder(tvData), []);
    const backing = join(host, 'backing');
    mkdirSync(backing);
    ok(['volume', 'create', '-o', 'type=none', '-o', `device=${backing}`, '-o', 'o=bind', 'bv']);
    ok(['run', '-d', '--name', 'bvuser', '-v', 'bv:/b', 'busybox', 'sh', '-c', 'echo bound > /b/z; sleep 60']);
    for (let i = 0; i < 50 && !existsSync(join(backing, 'z')); i++) spawnSleep(100);
    assert.equal(readFileSync(join(backing, 'z'), 'utf8'), 'bound\n');
    assert.deepEqual(mountedUnder(join(d.dataRoot, 'volumes', 'bv')), [join(d.dataRoot, 'volumes', 'bv', '_data')]);
    ok(['rm', '-f', 'bvuser']);
    assert.deepEqual(mountedUnder(join(d.dataRoot, 'volumes', 'bv')), []);
    // Volumes with options are not pruned, as in Docker.
    ok(['volume', 'prune', '-af']);
    assert.deepEqual(volumeNames(), ['bv', 'tv']);
    ok(['volume', 'rm', 'bv', 'tv']);
  });

  test('prune: anonymous only by default, all unused with -a; system df counts volumes', () => {
    ok(['volume', 'create', 'keepme']);
    ok(['create', '--name', 'holder', '-v', 'held:/x', '-v', '/anon-held', 'busybox', 'true']);
    ok(['run', '--name', 'gone', '-v', '/anon-free', 'busybox', 'sh', '-c', 'head -c 1000 /dev/zero > /anon-free/f']);
    ok(['rm', 'gone']);
    const df = ok(['system', 'df', '-v']);
    assert.match(df, /VOLUME NAME\s+LINKS\s+SIZE/);
    assert.match(df, /keepme\s+0\s+0B/);
    assert.match(df, /held\s+1\s+0B/);
    assert.match(df, /[0-9a-f]{64}\s+0\s+1kB/);
    const pruned = ok(['volume', 'prune', '-f']);
    assert.match(pruned, /Deleted Volumes:\n[0-9a-f]{64}\n/);
    assert.match(pruned, /Total reclaimed space: 1kB/);
    assert.equal(volumeNames().length, 3);
    ok(['volume', 'prune', '-af']);
    assert.equal(volumeNames().length, 2);
    assert.ok(volumeNames().includes('held'));
    ok(['rm', '-v', 'holder']);
    assert.deepEqual(volumeNames(), ['held']);
    ok(['volume', 'rm', 'held']);
  });

  test('a volume in use survives kill -9 of berthd; its container and mounts are re-adopted', async () => {
    ok(['run', '-d', '--name', 'live', '-v', 'livevol:/v', 'busybox', 'sh', '-c', 'while true; do date >> /v/log; sleep 0.2; done']);
    await d.kill9();
    await d.restart();
    fails(['volume', 'rm', 'livevol'], /volume is in use/);
    const before = ok(['exec', 'live', 'wc', '-l', '/v/log']);
    spawnSleep(600);
    assert.ok(Number.parseInt(ok(['exec', 'live', 'wc', '-l', '/v/log'])) > Number.parseInt(before));
    ok(['rm', '-f', 'live']);
    ok(['volume', 'rm', 'livevol']);
  });
});

function spawnSleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
