import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBody } from './container-spec.js';
import { finalize } from './project.js';
import { normalizeModel } from './normalize.js';

function project(model: Record<string, unknown>): ReturnType<typeof finalize> {
  return finalize(normalizeModel(model, '/srv/app'), { name: 'app', workingDir: '/srv/app', configFiles: ['/srv/app/compose.yaml'], profiles: [], services: [], env: () => undefined });
}

const id = { name: 'app-web-1', number: 1, oneoff: false, configHash: 'h', imageId: 'sha256:i' };

test('createBody: a service as compose v2 creates its container', () => {
  const p = project({
    services: {
      web: {
        image: 'nginx',
        command: 'nginx -g "daemon off;"',
        environment: { A: '1', UNSET: null },
        labels: { team: 'x' },
        ports: ['127.0.0.1:8080:80', '9000/udp'],
        expose: ['3000'],
        volumes: ['data:/data:ro', './conf:/etc/conf', { type: 'tmpfs', target: '/run', tmpfs: { size: '1m' } }],
        networks: { back: { aliases: ['api'], ipv4_address: '10.5.0.9', priority: 10 }, front: null },
        healthcheck: { test: ['CMD', 'true'], interval: '1m30s', retries: 3 },
        restart: 'on-failure:3',
        deploy: { resources: { limits: { memory: '64m', cpus: '0.5' } } },
        ulimits: { nofile: { soft: 100, hard: 200 }, nproc: 50 },
        cap_add: ['NET_ADMIN'],
        init: true,
        read_only: true,
        stop_grace_period: '3s',
        extra_hosts: ['db=10.0.0.1'],
        depends_on: { db: { condition: 'service_healthy' } },
      },
      db: { image: 'busybox' },
    },
    volumes: { data: null },
    networks: { back: null, front: null },
  });
  const body = createBody(p, 'web', p.services.web!, id, (s) => `app-${s}-1`) as Record<string, any>;
  assert.deepEqual(body.Cmd, ['nginx', '-g', 'daemon off;']);
  assert.deepEqual(body.Env, ['A=1']);
  assert.equal(body.Image, 'nginx');
  assert.equal(body.Labels.team, 'x');
  assert.equal(body.Labels['com.docker.compose.project'], 'app');
  assert.equal(body.Labels['com.docker.compose.depends_on'], 'db:service_healthy:false');
  assert.deepEqual(body.ExposedPorts, { '3000/tcp': {}, '80/tcp': {}, '9000/udp': {} });
  assert.deepEqual(body.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '9000/udp': [{ HostIp: '', HostPort: '' }] });
  assert.deepEqual(body.HostConfig.Binds, ['/srv/app/conf:/etc/conf']);
  assert.deepEqual(body.HostConfig.Mounts, [
    { Type: 'volume', Source: 'app_data', Target: '/data', ReadOnly: true },
    { Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 1048576 } },
  ]);
  assert.equal(body.HostConfig.NetworkMode, 'app_back');
  assert.deepEqual(body.NetworkingConfig.EndpointsConfig, { app_back: { Aliases: ['web', 'api'], IPAMConfig: { IPv4Address: '10.5.0.9' } }, app_front: { Aliases: ['web'] } });
  assert.deepEqual(body.Healthcheck, { Test: ['CMD', 'true'], Interval: 90e9, Retries: 3 });
  assert.deepEqual(body.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.equal(body.HostConfig.Memory, 64 * 1024 * 1024);
  assert.equal(body.HostConfig.NanoCpus, 5e8);
  assert.deepEqual(body.HostConfig.Ulimits, [
    { Name: 'nofile', Soft: 100, Hard: 200 },
    { Name: 'nproc', Soft: 50, Hard: 50 },
  ]);
  assert.deepEqual(body.HostConfig.CapAdd, ['NET_ADMIN']);
  assert.equal(body.HostConfig.Init, true);
  assert.equal(body.HostConfig.ReadonlyRootfs, true);
  assert.equal(body.StopTimeout, 3);
  assert.deepEqual(body.HostConfig.ExtraHosts, ['db:10.0.0.1']);
});

test('createBody: network_mode, pid and ipc service:x join that service\'s first container, which a depends on', () => {
  const p = project({ services: { a: { image: 'x', network_mode: 'service:b', pid: 'service:b', ipc: 'service:b' }, b: { image: 'x' } } });
  const body = createBody(p, 'a', p.services.a!, id, (s) => `app-${s}-1`) as { HostConfig: { NetworkMode: string; PidMode: string; IpcMode: string }; NetworkingConfig: { EndpointsConfig: object } };
  assert.equal(body.HostConfig.NetworkMode, 'container:app-b-1');
  assert.equal(body.HostConfig.PidMode, 'container:app-b-1');
  assert.equal(body.HostConfig.IpcMode, 'container:app-b-1');
  assert.deepEqual(p.services.a!.depends_on, { b: { condition: 'service_started', restart: true, required: true } });
  assert.deepEqual(body.NetworkingConfig.EndpointsConfig, {});
});

test('createBody: deploy.restart_policy wins over restart; links and external_links; resource fields', () => {
  const p = project({
    services: {
      a: { image: 'x', restart: 'always', deploy: { restart_policy: { condition: 'on-failure', max_attempts: 2 } }, links: ['b:bee'], external_links: ['other'], cpu_shares: 512, mem_reservation: '32m' },
      b: { image: 'x', deploy: { restart_policy: { condition: 'any' } } },
    },
  });
  const a = createBody(p, 'a', p.services.a!, id, (s) => `app-${s}-1`) as { HostConfig: Record<string, unknown> };
  assert.deepEqual(a.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
  assert.deepEqual(a.HostConfig.Links, ['app-b-1:bee', 'other:other']);
  assert.equal(a.HostConfig.CpuShares, 512);
  assert.equal(a.HostConfig.MemoryReservation, 32 * 1024 * 1024);
  const b = createBody(p, 'b', p.services.b!, id, (s) => `app-${s}-1`) as { HostConfig: Record<string, unknown> };
  assert.deepEqual(b.HostConfig.RestartPolicy, { Name: 'always', MaximumRetryCount: 0 });
  assert.equal(b.HostConfig.Links, undefined);
});
