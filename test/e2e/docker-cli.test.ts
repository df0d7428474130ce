import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts } from '../helpers/certs.js';
import { berth, busyboxRootfs, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = (() => {
  try {
    return docker('unix:///nonexistent', ['--version']).code === 0;
  } catch {
    return false;
  }
})();

describe('the real docker CLI against berthd', { skip: !isRoot || !hasDocker }, () => {
  let d: TestDaemon;
  let work: string;
  const dk = (args: string[], input?: Buffer | string) => docker(d.host, args, input);
  before(async () => {
    d = await startDaemon();
    work = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
    writeFileSync(join(work, 'rootfs.tar'), busyboxRootfs());
  });
  after(async () => {
    await d.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  test('version and info', () => {
    const v = dk(['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}']);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), '1.50 linux');
    assert.match(dk(['version']).stdout, /Experimental:\s+false/);
    const i = dk(['info']);
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /Storage Driver: overlay2/);
    assert.match(i.stdout, /Cgroup Version: [12]/);
    assert.match(i.stdout, /Default Runtime: runc/);
    assert.match(i.stdout, /Images: 0/);
  });

  test('import, images, inspect, history, tag', () => {
    const imp = dk(['import', '-c', 'CMD ["sh"]', '-c', 'ENV FOO=bar', '-m', 'made by e2e', join(work, 'rootfs.tar'), 'bb:1']);
    assert.equal(imp.code, 0, imp.stderr);
    assert.match(imp.stdout, /^sha256:[a-f0-9]{64}\n$/);
    const id = imp.stdout.trim();
    const ls = dk(['images']);
    assert.match(ls.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\n/);
    assert.match(ls.stdout, new RegExp(`bb\\s+1\\s+${id.slice(7, 19)}\\s+Less than a second ago|bb\\s+1\\s+${id.slice(7, 19)}\\s+\\d+ seconds? ago`));
    assert.equal(dk(['image', 'inspect', '--format', '{{.Id}} {{.Config.Cmd}} {{.Config.Env}} {{.Comment}}', 'bb:1']).stdout.trim(), `${id} [sh] [FOO=bar] made by e2e`);
    assert.equal(dk(['tag', 'bb:1', 'localhost:5000/team/bb:v2']).code, 0);
    assert.equal(dk(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=localhost:5000/*/*']).stdout, 'localhost:5000/team/bb:v2\n');
    assert.equal(dk(['images', '-q']).stdout, `${id.slice(7, 19)}\n`.repeat(2), 'one line per tag, as docker prints');
    assert.equal(berth(d.host, ['images', '-q']).stdout, `${id.slice(7, 19)}\n`.repeat(2));
    const h = dk(['history', 'bb:1']);
    assert.match(h.stdout, /IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT/);
    assert.match(h.stdout, /made by e2e/);
    const json = JSON.parse(dk(['images', '--format', '{{json .}}', 'bb']).stdout) as { Repository: string; Tag: string };
    assert.deepEqual([json.Repository, json.Tag], ['bb', '1']);
  });

  test('save, rmi, load (file and stdin) round trip', () => {
    const tar = join(work, 'saved.tar');
    const s = dk(['save', '-o', tar, 'bb:1', 'localhost:5000/team/bb:v2']);
    assert.equal(s.code, 0, s.stderr);
    assert.ok(existsSync(tar));
    const rm = dk(['rmi', 'bb:1', 'localhost:5000/team/bb:v2']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, /Untagged: bb:1\nUntagged: localhost:5000\/team\/bb:v2\nDeleted: sha256:/);
    assert.equal(dk(['images', '-q']).stdout, '');
    const ld = dk(['load', '-i', tar]);
    assert.equal(ld.code, 0, ld.stderr);
    assert.match(ld.stdout, /Loaded image: bb:1\nLoaded image: localhost:5000\/team\/bb:v2\n/);
    dk(['rmi', '-f', 'bb:1']);
    const ld2 = dk(['load'], readFileSync(tar));
    assert.equal(ld2.code, 0, ld2.stderr);
    assert.match(ld2.stdout, /Loaded image: bb:1/);
  });

  test('errors read like Docker: unknown image, bad reference, bad tar', () => {
    const r1 = dk(['rmi', 'nosuch']);
    assert.equal(r1.code, 1);
    assert.equal(r1.stderr.trim(), 'Error response from daemon: No such image: nosuch:latest');
    const r2 = dk(['tag', 'bb:1', 'Upper:case']);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /invalid reference format/);
    const r3 = dk(['load'], 'definitely not a tar archive, but long enough to sniff'.repeat(20));
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /invalid archive/);
    const r4 = dk(['image', 'inspect', 'nosuch:1']);
    assert.equal(r4.code, 1);
    assert.match(r4.stderr, /No such image: nosuch:1/);
  });

  test('prune, system df and events', () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    dk(['import', join(work, 'rootfs.tar')]);
    const df = dk(['system', 'df']);
    assert.equal(df.code, 0, df.stderr);
    assert.match(df.stdout, /TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+2\s+0\s+\d+(\.\d+)?MB/);
    const p = dk(['image', 'prune', '-f']);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /deleted: sha256:/);
    assert.match(p.stdout, /Total reclaimed space: /);
    const until = Math.floor(Date.now() / 1000) + 1;
    const ev = dk(['events', '--since', String(since), '--until', String(until), '--filter', 'type=image', '--format', '{{.Type}} {{.Action}}']);
    assert.equal(ev.code, 0, ev.stderr);
    assert.match(ev.stdout, /image import/);
    assert.match(ev.stdout, /image delete/);
    const all = dk(['image', 'prune', '-a', '-f']);
    assert.equal(all.code, 0);
    assert.equal(dk(['images', '-q']).stdout, '');
  });

  test('the berth CLI does the same', async () => {
    const imp = berth(d.host, ['import', '-c', 'CMD ["sh"]', join(work, 'rootfs.tar'), 'bb:berth']);
    assert.equal(imp.code, 0, imp.stderr);
    const ls = berth(d.host, ['images']);
    assert.match(ls.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\nbb\s+berth\s+[a-f0-9]{12}\s+/);
    assert.equal(berth(d.host, ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=bb']).stdout, 'bb:berth\n');
    const tar = join(work, 'berth-saved.tar');
    assert.equal(berth(d.host, ['save', '-o', tar, 'bb:berth']).code, 0);
    assert.equal(berth(d.host, ['rmi', 'bb:berth']).code, 0);
    assert.match(berth(d.host, ['load', '-i', tar]).stdout, /Loaded image: bb:berth/);
    const bad = berth(d.host, ['rmi', 'nosuch']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'Error response from daemon: No such image: nosuch:latest\n');
    const usage = berth(d.host, ['tag', 'onlyone']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /missing required argument/);
    // BERTH_HOST wins over DOCKER_HOST when no -H is given.
    const { spawnSync } = await import('node:child_process');
    const { BERTH, NODE } = await import('../helpers/daemon.js');
    const env = spawnSync(NODE, [BERTH, 'images', '-q'], { env: { ...process.env, BERTH_HOST: d.host, DOCKER_HOST: 'unix:///nonexistent.sock' } });
    assert.equal(env.status, 0, env.stderr.toString());
    const viaEnv = berth('unix:///nonexistent.sock', ['images']);
    assert.equal(viaEnv.code, 1);
    assert.match(viaEnv.stderr, /Cannot connect to the berth daemon at unix:\/\/\/nonexistent\.sock/);
  });

  test('TLS: docker with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH; no client cert is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
    const certs = makeCerts(dir);
    const port = 23000 + Math.floor(Math.random() * 1000);
    const t = await startDaemon(['-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', certs.ca, '--tlscert', certs.serverCert, '--tlskey', certs.serverKey]);
    try {
      const ok = docker(`tcp://127.0.0.1:${port}`, ['version', '--format', '{{.Server.APIVersion}}'], undefined, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.clientDir });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout.trim(), '1.50');
      const imgs = docker(`tcp://127.0.0.1:${port}`, ['images'], undefined, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.clientDir });
      assert.equal(imgs.code, 0, imgs.stderr);
      // A hijacked attach over TLS: the client half-closes its side, the output still arrives.
      const tls = { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.clientDir };
      assert.equal(docker(`tcp://127.0.0.1:${port}`, ['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs(), tls).code, 0);
      const run = docker(`tcp://127.0.0.1:${port}`, ['run', '--rm', 'busybox', 'echo', 'over tls'], undefined, tls);
      assert.equal(run.stdout, 'over tls\n', run.stderr);
      const plain = docker(`tcp://127.0.0.1:${port}`, ['version']);
      assert.notEqual(plain.code, 0, 'plain HTTP to a TLS port fails');
      const noCert = mkdtempSync(join(tmpdir(), 'berth-tls-nocert-'));
      writeFileSync(join(noCert, 'ca.pem'), readFileSync(certs.ca));
      const anon = docker(`tcp://127.0.0.1:${port}`, ['version'], undefined, { DOCKER_TLS: '1', DOCKER_CERT_PATH: noCert });
      assert.notEqual(anon.code, 0, 'a client without a certificate is refused');
      rmSync(noCert, { recursive: true, force: true });
      const viaBerth = berth(`tcp://127.0.0.1:${port}`, ['--tlsverify', '--tlscacert', certs.ca, '--tlscert', join(dir, 'cert.pem'), '--tlskey', join(dir, 'key.pem'), 'version']);
      assert.equal(viaBerth.code, 0, viaBerth.stderr);
      assert.match(viaBerth.stdout, /API version:\s+1\.50/);
    } finally {
      await t.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
