import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError, notFound } from '../base/errors.js';
import { linkEnv, mergeEnv, parseLink, removeHostsEntry, resolveLinks, updateHostsEntry } from './links.js';
import type { ContainerRecord } from './types.js';

// moby's daemon/links/links_test.go, case for case.
test('link variables: name, ports, ranges (TCP first) and the target env, as moby makes them', () => {
  assert.deepEqual(linkEnv('172.0.17.2', '/db/docker-1', [], ['6379/tcp']).sort(), [
    'DOCKER_1_NAME=/db/docker-1',
    'DOCKER_1_PORT=tcp://172.0.17.2:6379',
    'DOCKER_1_PORT_6379_TCP=tcp://172.0.17.2:6379',
    'DOCKER_1_PORT_6379_TCP_ADDR=172.0.17.2',
    'DOCKER_1_PORT_6379_TCP_PORT=6379',
    'DOCKER_1_PORT_6379_TCP_PROTO=tcp',
  ]);
  const env = linkEnv('172.0.17.2', '/db/docker', ['PASSWORD=gordon', 'HOME=/root', 'PATH=/bin', 'BARE'], ['6300/udp', '6379/tcp', '6380/tcp', '6381/tcp', '6382/udp']);
  // The first port is the lowest TCP one; the target's HOME, PATH and bare names are left out.
  assert.equal(env[0], 'DOCKER_PORT=tcp://172.0.17.2:6379');
  assert.deepEqual([...env].sort(), [
    'DOCKER_ENV_PASSWORD=gordon',
    'DOCKER_NAME=/db/docker',
    'DOCKER_PORT=tcp://172.0.17.2:6379',
    'DOCKER_PORT_6300_UDP=udp://172.0.17.2:6300',
    'DOCKER_PORT_6300_UDP_ADDR=172.0.17.2',
    'DOCKER_PORT_6300_UDP_PORT=6300',
    'DOCKER_PORT_6300_UDP_PROTO=udp',
    'DOCKER_PORT_6379_TCP=tcp://172.0.17.2:6379',
    'DOCKER_PORT_6379_TCP_ADDR=172.0.17.2',
    'DOCKER_PORT_6379_TCP_END=tcp://172.0.17.2:6381',
    'DOCKER_PORT_6379_TCP_PORT=6379',
    'DOCKER_PORT_6379_TCP_PORT_END=6381',
    'DOCKER_PORT_6379_TCP_PORT_START=6379',
    'DOCKER_PORT_6379_TCP_PROTO=tcp',
    'DOCKER_PORT_6379_TCP_START=tcp://172.0.17.2:6379',
    'DOCKER_PORT_6380_TCP=tcp://172.0.17.2:6380',
    'DOCKER_PORT_6380_TCP_ADDR=172.0.17.2',
    'DOCKER_PORT_6380_TCP_PORT=6380',
    'DOCKER_PORT_6380_TCP_PROTO=tcp',
    'DOCKER_PORT_6381_TCP=tcp://172.0.17.2:6381',
    'DOCKER_PORT_6381_TCP_ADDR=172.0.17.2',
    'DOCKER_PORT_6381_TCP_PORT=6381',
    'DOCKER_PORT_6381_TCP_PROTO=tcp',
    'DOCKER_PORT_6382_UDP=udp://172.0.17.2:6382',
    'DOCKER_PORT_6382_UDP_ADDR=172.0.17.2',
    'DOCKER_PORT_6382_UDP_PORT=6382',
    'DOCKER_PORT_6382_UDP_PROTO=udp',
  ]);
  // No ports: just the name; a port without protocol is TCP.
  assert.deepEqual(linkEnv('10.0.0.2', '/a/b', [], []), ['B_NAME=/a/b']);
  assert.equal(linkEnv('10.0.0.2', '/a/b', [], ['80'])[0], 'B_PORT=tcp://10.0.0.2:80');
});

test('link specs parse as moby parses them, with its messages', () => {
  assert.deepEqual(parseLink('db:alias'), { name: 'db', alias: 'alias' });
  assert.deepEqual(parseLink('db'), { name: 'db', alias: 'db' });
  // inspect's own form, given back by a client that copies a HostConfig.
  assert.deepEqual(parseLink('/db:/web/alias'), { name: 'db', alias: 'alias' });
  assert.throws(() => parseLink(''), /^BerthError: empty string specified for links$/);
  assert.throws(() => parseLink('a:b:c'), /bad format for links: a:b:c/);
});

function rec(id: string, name: string, networkMode = 'default'): ContainerRecord {
  return { id, name, hostConfig: { networkMode } } as unknown as ContainerRecord;
}

test('links resolve to their targets at create, through container: modes; host mode and missing targets are 400s', () => {
  const all = [rec('a'.repeat(64), '/db'), rec('b'.repeat(64), '/side', 'container:db'), rec('c'.repeat(64), '/hostnet', 'host')];
  const find = (ref: string): ContainerRecord => {
    const hit = all.find((c) => c.name === `/${ref}` || c.id === ref);
    if (!hit) throw notFound(`No such container: ${ref}`);
    return hit;
  };
  assert.deepEqual(resolveLinks(['db:x', 'side', 'db:x', 'side:x'], 'default', find), [
    { alias: 'x', targetId: 'a'.repeat(64), targetName: '/db' },
    { alias: 'side', targetId: 'a'.repeat(64), targetName: '/db' },
  ]);
  // On a user-defined network links are endpoint aliases: nothing to resolve (the target may come later).
  assert.deepEqual(resolveLinks(['nothere:x'], 'mynet', find), []);
  const missing = (() => {
    try {
      resolveLinks(['nothere:x'], 'bridge', find);
    } catch (err) {
      return err as BerthError;
    }
  })();
  assert.equal(missing?.kind, 'InvalidArgument');
  assert.equal(missing?.message, 'could not get container for nothere: No such container: nothere');
  assert.throws(() => resolveLinks(['hostnet'], 'default', find), /host type networking can't be used with links/);
});

test("/etc/hosts edits: a target's new address, a dropped link", () => {
  const hosts = '127.0.0.1\tlocalhost\n172.17.0.2\tdb 0123456789ab dbname\n172.17.0.2\tdbx 0123456789ab dbname\n172.17.0.3\tself\n';
  assert.equal(updateHostsEntry(hosts, 'db', '172.17.0.9'), hosts.replace('172.17.0.2\tdb ', '172.17.0.9\tdb '));
  assert.equal(removeHostsEntry(hosts, 'db'), '127.0.0.1\tlocalhost\n172.17.0.2\tdbx 0123456789ab dbname\n172.17.0.3\tself\n');
  // A link's alias with regexp characters is taken literally.
  assert.equal(updateHostsEntry('1.1.1.1\ta.b x\n1.1.1.1\taxb x\n', 'a.b', '2.2.2.2'), '2.2.2.2\ta.b x\n1.1.1.1\taxb x\n');
});

test("a target's env is its own over its image's (moby's merge)", () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['PATH=/bin', 'A=0', 'C=3']), ['A=1', 'B=2', 'PATH=/bin', 'C=3']);
});
