import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { busyboxRootfs, docker, isRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const hasDocker = docker('unix:///nonexistent', ['--version']).code === 0;

interface Reply {
  status: number;
  body: string;
  json: () => Record<string, unknown>;
}

/**
 * Bad input through a real daemon: every refused request gets Docker's status and message, and
 * nothing is created; responses keep each API version's shape.
 */
describe('request validation and API version shapes (real daemon)', { skip: !isRoot || !hasDocker }, () => {
  let d: TestDaemon;
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        { socketPath: d.socket, method, path, headers: { Host: 'd', ...(data !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}), ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) as Record<string, unknown> });
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  const ok = (args: string[], input?: string): string => {
    const r = docker(d.host, args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const containerIds = async (): Promise<string[]> => ((await send('GET', '/v1.50/containers/json?all=1')).json() as unknown as { Id: string }[]).map((c) => c.Id).sort();

  before(async () => {
    d = await startDaemon();
    ok(['import', '-c', 'CMD ["sh"]', '-', 'busybox:latest'], busyboxRootfs() as unknown as string);
  });
  after(async () => {
    await d.cleanup();
  });

  /** A create the daemon must refuse with `status` and exactly `message`, leaving no container behind. */
  const refusedCreate = async (body: unknown, status: number, message: string, path = '/v1.50/containers/create'): Promise<void> => {
    const before = await containerIds();
    const r = await send('POST', path, body);
    assert.equal(r.status, status, `${JSON.stringify(body)} → ${r.body}`);
    assert.equal(r.json().message, message);
    assert.deepEqual(await containerIds(), before, `${JSON.stringify(body)} left a container`);
  };
  const withHost = (h: Record<string, unknown>): Record<string, unknown> => ({ Image: 'busybox', Cmd: ['true'], HostConfig: h });

  test('wrong JSON types and malformed bodies: 400 with Go json wording, nothing created', async () => {
    await refusedCreate(withHost({ Memory: '64m' }), 400, 'invalid JSON: json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Resources.Memory of type int64');
    await refusedCreate({ Image: 'busybox', Cmd: 'true', Tty: 1 }, 400, 'invalid JSON: json: cannot unmarshal number into Go struct field CreateRequest.Config.Tty of type bool');
    await refusedCreate(withHost({ BlkioWeight: -5 }), 400, 'invalid JSON: json: cannot unmarshal number -5 into Go struct field HostConfig.HostConfig.Resources.BlkioWeight of type uint16');
    await refusedCreate('{"Image": "busybox",', 400, 'invalid JSON: unexpected EOF');
    await refusedCreate('[]', 400, 'invalid JSON: json: cannot unmarshal array into Go value of type container.CreateRequest');
    await refusedCreate({}, 400, 'config cannot be empty in order to create a container');
    const plain = await send('POST', '/v1.50/containers/create', 'x=1', { 'Content-Type': 'text/plain' });
    assert.equal(plain.status, 400);
    assert.equal(plain.json().message, "unsupported Content-Type header (text/plain): must be 'application/json'");
    // The same reader serves every body: update, exec, networks, volumes.
    ok(['create', '--name', 'target', 'busybox', 'sleep', '30']);
    const cases: [string, unknown, string][] = [
      ['/v1.50/containers/target/update', { Memory: 'x' }, 'invalid JSON: json: cannot unmarshal string into Go struct field UpdateConfig.Resources.Memory of type int64'],
      ['/v1.50/containers/target/exec', { Cmd: 'ls' }, 'invalid JSON: json: cannot unmarshal string into Go struct field ExecOptions.Cmd of type []string'],
      ['/v1.50/networks/create', { Name: 'n1', Internal: 'yes' }, 'invalid JSON: json: cannot unmarshal string into Go struct field CreateRequest.CreateOptions.Internal of type bool'],
      ['/v1.50/networks/bridge/connect', { Container: 5 }, 'invalid JSON: json: cannot unmarshal number into Go struct field ConnectOptions.Container of type string'],
      ['/v1.50/volumes/create', { Name: 'v1', Labels: { a: 1 } }, 'invalid JSON: json: cannot unmarshal number into Go struct field CreateOptions.Labels of type string'],
    ];
    for (const [path, body, message] of cases) {
      const r = await send('POST', path, body);
      assert.equal(r.status, 400, `${path}: ${r.body}`);
      assert.equal(r.json().message, message);
    }
    assert.equal(ok(['network', 'ls', '-q', '--filter', 'name=n1']).trim(), '');
    assert.equal(ok(['volume', 'ls', '-q', '--filter', 'name=v1']).trim(), '');
    ok(['rm', 'target']);
  });

  test('impossible resources, unknown enum values and bad references: 400 with moby messages, nothing created', async () => {
    await refusedCreate(withHost({ Memory: -1 }), 400, 'Minimum memory limit allowed is 6MB');
    await refusedCreate(withHost({ Memory: 1 << 20 }), 400, 'Minimum memory limit allowed is 6MB');
    await refusedCreate(withHost({ Memory: 64 << 20, MemorySwap: 32 << 20 }), 400, 'Minimum memoryswap limit should be larger than memory limit, see usage');
    await refusedCreate(withHost({ CpuShares: -2 }), 400, 'invalid CPU shares (-2): value must be a positive integer');
    await refusedCreate(withHost({ CpuPeriod: -1 }), 400, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
    await refusedCreate(withHost({ CpuQuota: 999 }), 400, 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    await refusedCreate(withHost({ NanoCpus: 1e9, CpuQuota: 50000 }), 400, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
    await refusedCreate(withHost({ CpusetCpus: '0-x' }), 400, 'Invalid value 0-x for cpuset cpus: invalid format: 0-x');
    await refusedCreate(withHost({ OomScoreAdj: -1001 }), 400, 'Invalid value -1001, range for oom score adj is [-1000, 1000]');
    await refusedCreate(withHost({ ShmSize: -1 }), 400, 'SHM size can not be less than 0');
    await refusedCreate(withHost({ RestartPolicy: { Name: 'sometimes' } }), 400, "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
    await refusedCreate(withHost({ Isolation: 'hyperv' }), 400, "invalid isolation (hyperv): linux only supports 'default'");
    await refusedCreate(withHost({ NetworkMode: 'container:' }), 400, 'invalid network mode: invalid container format container:<name|id>');
    await refusedCreate(withHost({ IpcMode: 'bogus' }), 400, 'invalid IPC mode: bogus');
    await refusedCreate(withHost({ Runtime: 'kata' }), 400, 'unknown or invalid runtime name: kata');
    await refusedCreate(withHost({ Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/t', VolumeOptions: {} }] }), 400, 'VolumeOptions must not be specified on mount type "bind"');
    await refusedCreate(withHost({ Mounts: [{ Type: 'nfs', Target: '/v' }] }), 400, 'invalid mount config for type "nfs": mount type unknown');
    await refusedCreate(withHost({ Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/t', BindOptions: { Propagation: 'sideways' } }] }), 400, 'invalid mount config for type "bind": invalid propagation mode: sideways');
    await refusedCreate({ Image: '../../etc/passwd' }, 400, 'invalid reference format');
    await refusedCreate({ Image: 'BusyBox' }, 400, 'invalid reference format: repository name (library/BusyBox) must be lowercase');
    const inspect = await send('GET', '/v1.50/images/..%2F..%2Fetc%2Fpasswd/json');
    assert.equal(inspect.status, 400);
  });

  test('limits the host cannot apply come back as warnings; defaults are filled as moby fills them', async () => {
    const r = await send('POST', '/v1.50/containers/create?name=warned', { Image: 'busybox', Cmd: ['true'], HostConfig: { CpuPercent: 10, Isolation: 'default' } });
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(r.json().Warnings, ['linux does not support CPU percent. Percent discarded.']);
    assert.equal(ok(['inspect', '-f', '{{.HostConfig.Isolation}} {{.HostConfig.Runtime}} {{.HostConfig.RestartPolicy.Name}}', 'warned']).trim(), 'default runc no');
    ok(['rm', 'warned']);
  });

  test('the docker CLI shows the daemon refusals', () => {
    const before = ok(['ps', '-aq']);
    for (const [args, message] of [
      [['create', '--memory', '4m', 'busybox'], /Minimum memory limit allowed is 6MB/],
      [['create', '--cpuset-cpus', '64', 'busybox'], /Requested CPUs are not available - requested 64/],
      [['create', '--oom-score-adj', '5000', 'busybox'], /range for oom score adj is \[-1000, 1000\]/],
      [['create', '--isolation', 'hyperv', 'busybox'], /invalid isolation \(hyperv\): linux only supports 'default'/],
    ] as [string[], RegExp][]) {
      const r = docker(d.host, args);
      assert.notEqual(r.code, 0, `docker ${args.join(' ')} should fail`);
      assert.match(r.stderr, message);
    }
    assert.equal(ok(['ps', '-aq']), before);
  });

  test('old API versions keep their shapes: image inspect and list, info, df', async () => {
    const old = (await send('GET', '/v1.41/images/busybox/json')).json();
    assert.equal(old.Container, '');
    assert.equal((old.ContainerConfig as Record<string, unknown>).Hostname, '');
    assert.equal((old.ContainerConfig as Record<string, unknown>).Cmd, null);
    assert.equal(old.VirtualSize, old.Size);
    assert.equal((old.Config as Record<string, unknown>).Tty, false);
    const v44 = (await send('GET', '/v1.44/images/busybox/json')).json();
    assert.ok('ContainerConfig' in v44 && !('VirtualSize' in v44));
    const current = (await send('GET', '/v1.50/images/busybox/json')).json();
    assert.ok(!('ContainerConfig' in current) && !('Container' in current) && !('VirtualSize' in current));
    const config = current.Config as Record<string, unknown>;
    assert.ok(!('Tty' in config) && !('Hostname' in config));
    assert.equal(config.Entrypoint, null);
    assert.equal(config.WorkingDir, '');

    // An untagged image: <none> placeholders only before 1.43.
    const id = ok(['import', '-'], busyboxRootfs() as unknown as string).trim();
    const untagged = (list: unknown): Record<string, unknown> => (list as Record<string, unknown>[]).find((i) => i.Id === id)!;
    const l42 = untagged((await send('GET', '/v1.42/images/json')).json());
    assert.deepEqual([l42.RepoTags, l42.RepoDigests, l42.VirtualSize], [['<none>:<none>'], ['<none>@<none>'], l42.Size]);
    const l43 = untagged((await send('GET', '/v1.43/images/json')).json());
    assert.deepEqual([l43.RepoTags, l43.RepoDigests], [[], []]);
    assert.equal(l43.VirtualSize, l43.Size);
    assert.ok(!('VirtualSize' in untagged((await send('GET', '/v1.44/images/json')).json())));
    ok(['rmi', id]);

    const info41 = (await send('GET', '/v1.41/info')).json();
    assert.equal(info41.BridgeNfIptables, false);
    assert.ok('AllowNondistributableArtifactsCIDRs' in (info41.RegistryConfig as Record<string, unknown>));
    assert.deepEqual(info41.ContainerdCommit, { ID: '', Expected: '' });
    const info50 = (await send('GET', '/v1.50/info')).json();
    assert.ok(!('BridgeNfIptables' in info50));
    assert.deepEqual(info50.ContainerdCommit, { ID: '' });
    assert.equal((await send('GET', '/v1.41/system/df')).json().BuilderSize, 0);
    assert.ok(!('BuilderSize' in (await send('GET', '/v1.42/system/df')).json()));
  });

  test('old API versions: removal refused in the old words, network aliases with the short ID', async () => {
    ok(['network', 'create', 'qnet']);
    const id = ok(['run', '-d', '--name', 'busy', '--network', 'qnet', '--hostname', 'hh', '--network-alias', 'web', 'busybox', 'sleep', '30']).trim();
    const old = await send('DELETE', '/v1.41/containers/busy');
    assert.equal(old.status, 409);
    assert.equal(old.json().message, `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
    const current = await send('DELETE', '/v1.50/containers/busy');
    assert.equal(current.status, 409);
    assert.equal(current.json().message, 'cannot remove container "/busy": container is running: stop the container before removing or force remove');
    const aliases = async (v: string): Promise<unknown> => (((await send('GET', `/${v}/containers/busy/json`)).json().NetworkSettings as { Networks: Record<string, { Aliases: unknown }> }).Networks.qnet!.Aliases);
    assert.deepEqual(await aliases('v1.44'), ['web', id.slice(0, 12), 'hh']);
    assert.deepEqual(await aliases('v1.45'), ['web']);
    ok(['rm', '-f', 'busy']);
    ok(['network', 'rm', 'qnet']);
  });

  test('a container that restarts is not removed without force', async () => {
    ok(['create', '--name', 'bouncer', '--restart', 'always', 'busybox', 'sleep', '0.2']);
    ok(['start', 'bouncer']);
    // Right when its wait ends it is already "restarting" (docker-py's test_create_with_restart_policy).
    assert.equal((await send('POST', '/v1.50/containers/bouncer/wait')).status, 200);
    assert.equal((await send('DELETE', '/v1.50/containers/bouncer')).status, 409);
    // It exits and is brought back again and again: never removable without force.
    for (let i = 0; i < 5; i++) {
      const r = await send('DELETE', '/v1.50/containers/bouncer');
      assert.equal(r.status, 409, r.body);
      assert.match(String(r.json().message), /^cannot remove container "\/bouncer": container is (running|restarting): stop the container before removing or force remove$/);
      await new Promise((res) => setTimeout(res, 150));
    }
    ok(['rm', '-f', 'bouncer']);
  });
});
