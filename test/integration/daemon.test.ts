import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAll } from '../../src/client/index.js';
import { makeImageArchive, makeTar } from '../helpers/archives.js';
import { BERTHD, isRoot, NODE, removeNetworks, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../../src/daemon/runtime-tuning.js';

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('berthd as a process', { skip: !isRoot }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d.cleanup();
  });

  test('a second berthd on the same data root is refused', () => {
    const r = spawnSync(NODE, [BERTHD, '-H', `unix://${join(d.dir, 'other.sock')}`, '--data-root', d.dataRoot, '--pidfile', join(d.dir, 'other.pid'), '--config-file', join(d.dir, 'daemon.json')], { timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr.toString(), /another berthd is already running on data root .* \(pid \d+\)/);
  });

  test('berthd runs with its runtime tuning, whoever launched it, in the same process', async () => {
    const pid = d.proc.pid!;
    // The re-exec replaced the process: the pid the launcher knows is the daemon's (pid file too).
    assert.equal(readFileSync(join(d.dir, 'berthd.pid'), 'utf8').trim(), String(pid));
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    for (const [k, v] of Object.entries(DAEMON_ENV)) assert.ok(environ.includes(`${k}=${v}`), `${k}=${v} in berthd's environment`);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    for (const flag of DAEMON_NODE_FLAGS) assert.ok(cmdline.includes(flag), `${flag} on berthd's command line`);
    const vars = (await d.client.json<{ cmdline: string[]; memstats: { heapSizeLimit: number; heapUsed: number } }>('GET', '/debug/vars'))!;
    assert.deepEqual(vars.cmdline, cmdline.filter(Boolean));
    // In effect, not only asked for: V8's limit follows --max-old-space-size, far below its default for this machine.
    assert.ok(vars.memstats.heapSizeLimit < 512 << 20, `heap limit ${vars.memstats.heapSizeLimit}`);
    assert.ok(vars.memstats.heapUsed > 0);
    // An operator's own value for a flag or variable is kept, and the rest still added.
    const own = await startDaemon([], { nodeArgs: ['--max-old-space-size=300'], env: { MALLOC_ARENA_MAX: '4' } });
    try {
      const ownCmd = readFileSync(`/proc/${own.proc.pid!}/cmdline`, 'utf8').split('\0');
      assert.deepEqual(ownCmd.filter((a) => a.startsWith('--max-old-space-size')), ['--max-old-space-size=300']);
      assert.ok(ownCmd.includes('--max-semi-space-size=1'));
      assert.ok(readFileSync(`/proc/${own.proc.pid!}/environ`, 'utf8').split('\0').includes('MALLOC_ARENA_MAX=4'));
    } finally {
      await own.cleanup();
    }
  });

  test('plain TCP off loopback is refused; loopback TCP serves the API', async () => {
    writeFileSync(join(d.dir, 'tcp.json'), '{"bridge": "btrefused"}');
    const r = spawnSync(NODE, [BERTHD, '-H', 'tcp://0.0.0.0:23751', '--data-root', join(d.dir, 'tcp-data'), '--pidfile', join(d.dir, 'tcp.pid'), '--config-file', join(d.dir, 'tcp.json')], { timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr.toString(), /refusing to listen on tcp:\/\/0\.0\.0\.0:23751 without TLS/);
    const tcp = await startDaemon(['-H', 'tcp://127.0.0.1:23752']);
    try {
      const res = await fetch('http://127.0.0.1:23752/v1.50/version');
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { ApiVersion: string }).ApiVersion, '1.50');
    } finally {
      await tcp.cleanup();
    }
  });

  test('bad config files and flags fail with one clear line', () => {
    const cfg = join(d.dir, 'bad.json');
    writeFileSync(cfg, '{"no-such-key": true}');
    const r1 = spawnSync(NODE, [BERTHD, '--config-file', cfg, '--data-root', join(d.dir, 'x')], { timeout: 20_000 });
    assert.equal(r1.status, 1);
    assert.match(r1.stderr.toString(), /don't match any configuration option: no-such-key/);
    writeFileSync(cfg, '{"data-root": "/tmp/a"}');
    const r2 = spawnSync(NODE, [BERTHD, '--config-file', cfg, '--data-root', join(d.dir, 'x')], { timeout: 20_000 });
    assert.match(r2.stderr.toString(), /specified both as a flag and in the configuration file: data-root/);
    const r3 = spawnSync(NODE, [BERTHD, '--log-level', 'loud', '--data-root', join(d.dir, 'x')], { timeout: 20_000 });
    assert.match(r3.stderr.toString(), /unable to parse logging level: loud/);
  });

  test('SIGHUP reloads the log level from the config file', async () => {
    // The test daemon's own settings (its bridge) stay; only the log level changes.
    const original = readFileSync(join(d.dir, 'daemon.json'), 'utf8');
    writeFileSync(join(d.dir, 'daemon.json'), JSON.stringify({ ...(JSON.parse(original) as object), 'log-level': 'debug' }));
    d.proc.kill('SIGHUP');
    await sleep(300);
    assert.match(d.log(), /reloaded configuration.*changed="logLevel"/);
    await d.client.json('GET', '/images/json');
    await sleep(100);
    assert.match(d.log(), /level=debug/);
    writeFileSync(join(d.dir, 'daemon.json'), original);
  });

  test('SIGTERM shuts down cleanly: socket and pid file removed, exit 0', async () => {
    const t = await startDaemon();
    const exited = new Promise<number | null>((r) => t.proc.once('exit', (code) => r(code)));
    t.proc.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.ok(!existsSync(t.socket));
    assert.ok(!existsSync(join(t.dir, 'berthd.pid')));
    await t.cleanup();
  });

  test('fd:// serves on a socket passed by the service manager (socket activation)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-fd-'));
    const sock = join(dir, 'act.sock');
    // systemd-socket-activate is not on every host: bind the socket in a parent that execs berthd with it as fd 3.
    const py = `import socket,os,sys\ns=socket.socket(socket.AF_UNIX);s.bind(sys.argv[1]);s.listen(16)\nos.dup2(s.fileno(),3) if s.fileno()!=3 else None\nos.set_inheritable(3,True)\nos.environ['LISTEN_FDS']='1';os.environ['LISTEN_PID']=str(os.getpid())\nos.execv(sys.argv[2],sys.argv[2:])`;
    // Its own exec root and bridge: nothing shared with the host's berthd.
    const bridge = `btfd${process.pid.toString(16).slice(-6)}`;
    writeFileSync(join(dir, 'daemon.json'), JSON.stringify({ bridge }));
    const proc = (await import('node:child_process')).spawn('python3', ['-c', py, sock, '/bin/bash', NODE.replace(/node\.sh$/, 'node.sh'), BERTHD, '-H', 'fd://', '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--config-file', join(dir, 'daemon.json'), '--pidfile', join(dir, 'pid')], { stdio: 'ignore' });
    try {
      let ok = false;
      for (let i = 0; i < 100 && !ok; i++) {
        await sleep(100);
        const r = spawnSync('curl', ['-sf', '--unix-socket', sock, 'http://x/_ping']);
        ok = r.status === 0 && r.stdout.toString() === 'OK';
      }
      assert.ok(ok, 'berthd answered on the activated socket');
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      removeNetworks(join(dir, 'data'), bridge);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('kill -9 in the middle of a large load: after restart no half image and no stray files', async () => {
    const layer = await makeTar([{ name: 'big.bin', data: Buffer.alloc(120 << 20, 1) }]);
    const { archive } = await makeImageArchive([layer], 'crash:big');
    const storeFiles = (): string[] => [
      ...listDir(join(d.dataRoot, 'content/blobs/sha256')),
      ...listDir(join(d.dataRoot, 'content/ingest')).map((n) => `ingest/${n}`),
      ...listDir(join(d.dataRoot, 'snapshots')).map((n) => `snapshots/${n}`),
      ...listDir(join(d.dataRoot, 'images/records')),
    ];
    const beforeFiles = storeFiles();
    const imagesBefore = await d.client.json<unknown[]>('GET', '/images/json');
    let sent = 0;
    let killed: Promise<void> | undefined;
    const body = new Readable({
      read() {
        if (sent >= archive.length) return this.push(null);
        const chunk = archive.subarray(sent, sent + (1 << 20));
        sent += chunk.length;
        if (sent > 60 << 20 && !killed) killed = d.kill9();
        this.push(chunk);
      },
    });
    await d.client
      .raw('POST', '/images/load', { body, query: { quiet: true } })
      .then(readAll)
      .catch(() => undefined);
    body.destroy();
    await killed;
    assert.ok(killed, 'the daemon was killed during the upload');
    const midway = storeFiles();
    assert.ok(midway.some((f) => f.startsWith('ingest/') || f.startsWith('snapshots/.staging')), `the crash left work in progress on disk: ${midway.join(' ')}`);
    await d.restart();
    assert.deepEqual(await d.client.json('GET', '/images/json'), imagesBefore, 'no half image appears');
    assert.deepEqual(storeFiles(), beforeFiles, 'no stray blob, ingest or layer survives the restart');
    // And the store still works: the same archive now loads.
    const r = await d.client.call('POST', '/images/load', { body: archive, query: { quiet: true } }).catch((err: unknown) => {
      throw new Error(`load after restart failed: ${String(err)}\n--- berthd log ---\n${d.log()}`);
    });
    assert.match((await readAll(r)).toString(), /Loaded image: crash:big/);
    await d.client.json('DELETE', '/images/crash:big');
  });
});

export { execFileSync };
