/**
 * Logins and credentials through berthd: docker-registry with htpasswd (Basic), berth's registry
 * with its token endpoint (Bearer, identity tokens and the OAuth2 refresh flow), X-Registry-Auth
 * and X-Registry-Config as clients send them, HTTPS with an unknown certificate on loopback, and
 * a Docker Hub mirror from daemon.json.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll } from '../../src/client/index.js';
import { makeCerts } from '../helpers/certs.js';
import { berth, busyboxRootfs, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { DOCKER_REGISTRY, startDockerRegistry, startRegistryProcess, type DockerRegistry, type RegistryProcess } from '../helpers/registry.js';

const hasHtpasswd = existsSync('/usr/bin/htpasswd');
const b64url = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('registry credentials through berthd', { skip: !isRoot || !hasHtpasswd }, () => {
  let d: TestDaemon;
  let work: string;
  let htpasswd: string;
  const env = (): Record<string, string> => ({ DOCKER_CONFIG: join(work, 'docker') });
  const dk = (args: string[], input?: Buffer | string) => docker(d.host, args, input, env());
  const bt = (args: string[], input?: Buffer | string) => berth(d.host, args, input);
  const ok = (args: string[], input?: Buffer | string): string => {
    const r = dk(args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-auth-'));
    process.env.BERTH_CONFIG = join(work, 'berth');
    htpasswd = execFileSync('htpasswd', ['-nbB', 'alice', 'secret']).toString();
    writeFileSync(join(work, 'htpasswd'), htpasswd);
    d = await startDaemon();
    assert.equal(dk(['import', '-c', 'CMD ["sh"]', '-', 'bb:1'], busyboxRootfs()).code, 0);
  });
  after(async () => {
    delete process.env.BERTH_CONFIG;
    await d.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  describe('Basic auth (docker-registry with htpasswd)', { skip: !existsSync(DOCKER_REGISTRY) }, () => {
    let dr: DockerRegistry;
    before(async () => {
      dr = await startDockerRegistry({ htpasswd });
    });
    after(async () => {
      await dr.stop();
    });

    test('no credentials, wrong password, login, push and pull, logout', () => {
      ok(['tag', 'bb:1', `${dr.host}/team/bb:1`]);
      const anon = dk(['push', `${dr.host}/team/bb:1`]);
      assert.equal(anon.code, 1);
      assert.equal(anon.stderr, 'no basic auth credentials\n');
      const anonPull = dk(['pull', `${dr.host}/team/bb:1`]);
      assert.match(anonPull.stderr, new RegExp(`^Error response from daemon: Get "http://${dr.host}/v2/team/bb/manifests/1": no basic auth credentials\n$`));
      const wrong = dk(['login', '-u', 'alice', '--password-stdin', dr.host], 'wrong\n');
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, new RegExp(`Error response from daemon: login attempt to http://${dr.host}/v2/ failed with status: 401 Unauthorized`));
      assert.match(ok(['login', '-u', 'alice', '--password-stdin', dr.host], 'secret\n'), /Login Succeeded/);
      const stored = JSON.parse(readFileSync(join(work, 'docker', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
      assert.equal(Buffer.from(stored.auths[dr.host]!.auth, 'base64').toString(), 'alice:secret');
      assert.match(ok(['push', `${dr.host}/team/bb:1`]), /1: digest: sha256:/);
      ok(['rmi', `${dr.host}/team/bb:1`]);
      assert.match(ok(['pull', `${dr.host}/team/bb:1`]), /Status: Downloaded newer image/);
      assert.equal(ok(['logout', dr.host]), `Removing login credentials for ${dr.host}\n`);
      assert.match(dk(['pull', `${dr.host}/team/bb:1`]).stderr, /no basic auth credentials/);
    });

    test('the berth CLI: login stores config.json credentials, pull and push send them, logout', () => {
      const wrong = bt(['login', '-u', 'alice', '-p', 'nope', dr.host]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /WARNING! Using --password via the CLI is insecure\. Use --password-stdin\.\nError response from daemon: login attempt to .* failed with status: 401 Unauthorized\n/);
      const r = bt(['login', '-u', 'alice', '--password-stdin', dr.host], 'secret\n');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Login Succeeded\n');
      const cfg = JSON.parse(readFileSync(join(work, 'berth', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
      assert.equal(Buffer.from(cfg.auths[dr.host]!.auth, 'base64').toString(), 'alice:secret');
      assert.equal((Number.parseInt(execFileSync('stat', ['-c', '%a', join(work, 'berth', 'config.json')]).toString(), 8) & 0o077), 0, 'readable by its owner only');
      assert.equal(bt(['tag', 'bb:1', `${dr.host}/berth/bb:2`]).code, 0);
      const push = bt(['push', `${dr.host}/berth/bb:2`]);
      assert.equal(push.code, 0, push.stderr);
      assert.match(push.stdout, /2: digest: sha256:[a-f0-9]{64} size: \d+/);
      assert.equal(bt(['rmi', `${dr.host}/berth/bb:2`]).code, 0);
      const pull = bt(['pull', `${dr.host}/berth/bb:2`]);
      assert.equal(pull.code, 0, pull.stderr);
      assert.match(pull.stdout, new RegExp(`Status: Downloaded newer image for ${dr.host}/berth/bb:2\n${dr.host}/berth/bb:2\n$`));
      // Stored credentials are tried first when none are given.
      const again = bt(['login', dr.host]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /Authenticating with existing credentials\.\.\. \[Username: alice\]/);
      assert.equal(bt(['logout', dr.host]).stdout, `Removing login credentials for ${dr.host}\n`);
      assert.match(bt(['pull', `${dr.host}/berth/bb:2`]).stderr, /no basic auth credentials/);
      assert.match(bt(['login', dr.host]).stderr, /Cannot perform an interactive login from a non TTY device/);
    });

    test('X-Registry-Auth unpadded, X-Registry-Config alone, and a 401 from POST /auth', async () => {
      const pullWith = async (headers: Record<string, string>): Promise<string> => {
        const res = await d.client.call('POST', '/images/create', { query: { fromImage: `${dr.host}/team/bb`, tag: '1' }, headers });
        return (await readAll(res)).toString();
      };
      assert.match(await pullWith({ 'X-Registry-Auth': b64url({ username: 'alice', password: 'secret' }).replace(/=+$/, '') }), /Status: (Image is up to date|Downloaded newer image)/);
      assert.match(await pullWith({ 'X-Registry-Config': b64url({ [dr.host]: { username: 'alice', password: 'secret' } }) }), /Status: (Image is up to date|Downloaded newer image)/);
      assert.match(await pullWith({ 'X-Registry-Auth': 'e30=' }).catch((e: Error) => e.message), /no basic auth credentials/);
      const bad = await d.client.raw('POST', '/auth', { body: { username: 'alice', password: 'nope', serveraddress: dr.host } });
      assert.equal(bad.statusCode, 401);
      const good = await d.client.json<{ Status: string; IdentityToken: string }>('POST', '/auth', { body: { username: 'alice', password: 'secret', serveraddress: `http://${dr.host}` } });
      assert.deepEqual(good, { Status: 'Login Succeeded', IdentityToken: '' });
    });
  });

  describe("Bearer tokens (berth registry's token endpoint)", () => {
    let reg: RegistryProcess;
    before(async () => {
      reg = await startRegistryProcess(['--token', '--htpasswd', join(work, 'htpasswd')]);
    });
    after(async () => {
      await reg.stop();
    });

    test('anonymous access denied, wrong password, login with an identity token, push and pull with it', () => {
      ok(['tag', 'bb:1', `${reg.host}/tok/bb:1`]);
      const anon = dk(['pull', `${reg.host}/tok/bb:1`]);
      assert.equal(anon.code, 1);
      assert.equal(anon.stderr, `Error response from daemon: pull access denied for ${reg.host}/tok/bb, repository does not exist or may require 'docker login': denied: requested access to the resource is denied\n`);
      const wrong = dk(['login', '-u', 'alice', '--password-stdin', reg.host], 'wrong\n');
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, new RegExp(`Error response from daemon: Get "http://${reg.host}/v2/": unauthorized: authentication required`));
      assert.match(ok(['login', '-u', 'alice', '--password-stdin', reg.host], 'secret\n'), /Login Succeeded/);
      const stored = JSON.parse(readFileSync(join(work, 'docker', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string; identitytoken?: string }> };
      assert.ok(stored.auths[reg.host]?.identitytoken, 'the token server issued a refresh token: docker stores it instead of the password');
      assert.match(ok(['push', `${reg.host}/tok/bb:1`]), /1: digest: sha256:/);
      ok(['rmi', `${reg.host}/tok/bb:1`]);
      assert.match(ok(['pull', `${reg.host}/tok/bb:1`]), /Status: Downloaded newer image/);
      ok(['logout', reg.host]);
    });

    test('the berth CLI keeps the identity token and uses it', () => {
      const r = bt(['login', '-u', 'alice', '--password-stdin', reg.host], 'secret\n');
      assert.equal(r.code, 0, r.stderr);
      const cfg = JSON.parse(readFileSync(join(work, 'berth', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string; identitytoken?: string }> };
      assert.ok(cfg.auths[reg.host]?.identitytoken);
      assert.equal(Buffer.from(cfg.auths[reg.host]!.auth, 'base64').toString(), 'alice:', 'no password kept beside an identity token');
      assert.equal(bt(['tag', 'bb:1', `${reg.host}/tok/berth:1`]).code, 0);
      const push = bt(['push', `${reg.host}/tok/berth:1`]);
      assert.equal(push.code, 0, push.stderr);
      assert.equal(bt(['rmi', `${reg.host}/tok/berth:1`]).code, 0);
      const pull = bt(['pull', `${reg.host}/tok/berth:1`]);
      assert.equal(pull.code, 0, pull.stderr);
      bt(['logout', reg.host]);
    });
  });

  describe('HTTPS with a certificate nobody signed, on loopback', () => {
    let reg: RegistryProcess;
    before(async () => {
      const certs = makeCerts(mkdtempSync(join(work, 'certs-')));
      reg = await startRegistryProcess(['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey]);
    });
    after(async () => {
      await reg.stop();
    });

    test('loopback is insecure by default: HTTPS without verification, under its IP and as localhost', () => {
      ok(['tag', 'bb:1', `${reg.host}/tls/bb:1`]);
      assert.match(ok(['push', `${reg.host}/tls/bb:1`]), /1: digest: sha256:/);
      const port = reg.host.split(':')[1]!;
      assert.match(ok(['pull', `localhost:${port}/tls/bb:1`]), /Status: Downloaded newer image for localhost:\d+\/tls\/bb:1/);
    });
  });

  describe('registry-mirrors in daemon.json', () => {
    let mirror: RegistryProcess;
    let m: TestDaemon;
    before(async () => {
      mirror = await startRegistryProcess();
      m = await startDaemon();
      const cfg = JSON.parse(readFileSync(join(m.dir, 'daemon.json'), 'utf8')) as object;
      writeFileSync(join(m.dir, 'daemon.json'), JSON.stringify({ ...cfg, 'registry-mirrors': [`http://${mirror.host}`] }));
      await m.stop();
      await m.restart();
      ok(['tag', 'bb:1', `${mirror.host}/library/busybox:latest`]);
      ok(['push', `${mirror.host}/library/busybox:latest`]);
    });
    after(async () => {
      await m.cleanup();
      await mirror.stop();
    });

    test('Docker Hub names are pulled from the mirror; what it lacks falls back to Docker Hub', () => {
      const mk = (args: string[]) => docker(m.host, args, undefined, env());
      const r = mk(['pull', 'busybox']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Using default tag: latest\nlatest: Pulling from library\/busybox\n[\s\S]*Status: Downloaded newer image for busybox:latest\ndocker.io\/library\/busybox:latest\n$/);
      assert.equal(mk(['run', '--rm', 'busybox', 'echo', 'from the mirror']).stdout, 'from the mirror\n');
      const info = JSON.parse(mk(['info', '--format', '{{json .RegistryConfig}}']).stdout) as { Mirrors: string[]; InsecureRegistryCIDRs: string[] };
      assert.deepEqual(info.Mirrors, [`http://${mirror.host}/`]);
      const missing = mk(['pull', 'alpine']);
      assert.match(missing.stderr, /registry-1\.docker\.io/);
    });
  });
});
