import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlatform, hostPlatform, normalizeArch, parsePlatform, PlatformMatcher, selectManifests, withHostDefaults } from './platform.js';

test('parse: os, arch, os/arch, os/arch/variant, as containerd reads them', () => {
  const host = hostPlatform();
  assert.deepEqual(parsePlatform('linux'), { os: 'linux', architecture: host.architecture });
  assert.deepEqual(parsePlatform('arm64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('Linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/arm'), { os: 'linux', architecture: 'arm' });
  assert.deepEqual(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/aarch64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('windows/amd64'), { os: 'windows', architecture: 'amd64' });
});

test('parse errors carry containerd wording', () => {
  assert.throws(() => parsePlatform('foobar'), /"foobar": unknown operating system or architecture: invalid argument/);
  assert.throws(() => parsePlatform('linux/*'), /wildcards not yet supported/);
  assert.throws(() => parsePlatform('linux/amd64/v2/x'), /cannot parse platform specifier/);
  assert.throws(() => parsePlatform('linux/am d64'), /is an invalid component of/);
  assert.throws(() => parsePlatform(''), /is an invalid component of/);
});

test('normalize and format', () => {
  assert.deepEqual(normalizeArch('armhf', ''), ['arm', 'v7']);
  assert.deepEqual(normalizeArch('amd64', 'v1'), ['amd64', '']);
  assert.equal(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
  assert.equal(formatPlatform({ os: 'linux', architecture: 'amd64' }), 'linux/amd64');
});

test('amd64/v3 runs v3, v2, v1 and 386, in that order; not v4 or arm64', () => {
  const m = new PlatformMatcher({ os: 'linux', architecture: 'amd64', variant: 'v3' });
  assert.equal(m.rank({ os: 'linux', architecture: 'amd64', variant: 'v3' }), 0);
  assert.ok(m.rank({ os: 'linux', architecture: 'amd64', variant: 'v2' }) > 0);
  assert.ok(m.rank({ os: 'linux', architecture: 'amd64' }) > m.rank({ os: 'linux', architecture: 'amd64', variant: 'v2' }));
  assert.ok(m.rank({ os: 'linux', architecture: '386' }) > m.rank({ os: 'linux', architecture: 'amd64' }));
  assert.equal(m.match({ os: 'linux', architecture: 'amd64', variant: 'v4' }), false);
  assert.equal(m.match({ os: 'linux', architecture: 'arm64' }), false);
  assert.equal(m.match({ os: 'windows', architecture: 'amd64' }), false);
});

test('arm64 runs arm v8 down to v5; arm/v7 runs v6 and v5', () => {
  const m = new PlatformMatcher({ os: 'linux', architecture: 'arm64' });
  assert.equal(m.rank({ os: 'linux', architecture: 'arm64', variant: 'v8' }), 0);
  assert.ok(m.match({ os: 'linux', architecture: 'arm', variant: 'v7' }));
  const arm = new PlatformMatcher({ os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.ok(arm.match({ os: 'linux', architecture: 'arm', variant: 'v5' }));
  assert.equal(arm.match({ os: 'linux', architecture: 'arm', variant: 'v8' }), false);
});

test('selectManifests: host platform first, unknown-platform entries last, the rest dropped', () => {
  const entries = [
    { d: 'arm64', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { d: 'none' },
    { d: 'amd64', platform: { os: 'linux', architecture: 'amd64' } },
    { d: 'i386', platform: { os: 'linux', architecture: '386' } },
    { d: 'win', platform: { os: 'windows', architecture: 'amd64' } },
  ];
  const host = withHostDefaults(undefined);
  if (host.architecture === 'amd64') assert.deepEqual(selectManifests(entries, host).map((e) => e.d), ['amd64', 'i386', 'none']);
  assert.deepEqual(selectManifests(entries, withHostDefaults({ os: 'linux', architecture: 'arm64' })).map((e) => e.d), ['arm64', 'none']);
  assert.deepEqual(selectManifests(entries, withHostDefaults({ os: 'windows' })).map((e) => e.d)[0], host.architecture === 'amd64' ? 'win' : 'none');
});
