import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../base/errors.js';
import { defaultSeccompProfile, loadSeccompProfile, type OciSeccomp, type OciSyscall } from './seccomp.js';

// Docker's default bounding set (moby oci/caps/defaults.go).
const dockerCaps = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];
const host = { arch: 'x64', kernel: '6.8.0-45-generic' };
const rules = (p: OciSeccomp, name: string): OciSyscall[] => p.syscalls.filter((s) => s.names.includes(name));
// Allowed with no argument filter at all, i.e. any call of it passes.
const allowedOutright = (p: OciSeccomp, name: string): boolean =>
  rules(p, name).some((s) => s.action === 'SCMP_ACT_ALLOW' && s.args === undefined);

test('defaults: ERRNO/EPERM for anything unlisted, and the amd64 architecture family', () => {
  const p = defaultSeccompProfile({ capabilities: dockerCaps, ...host });
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, 1);
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(defaultSeccompProfile({ capabilities: dockerCaps, arch: 'arm64' }).architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.deepEqual(defaultSeccompProfile({ capabilities: dockerCaps, arch: 'amd64' }).architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  // moby's archMap has no entry for these: no list, runc uses the native arch alone.
  assert.deepEqual(defaultSeccompProfile({ capabilities: dockerCaps, arch: 'ia32' }).architectures, []);
  assert.deepEqual(defaultSeccompProfile({ capabilities: dockerCaps, arch: 'loong64' }).architectures, []);
});

test("Docker's default caps: mount and reboot denied, everyday calls allowed, clone/personality filtered", () => {
  const p = defaultSeccompProfile({ capabilities: dockerCaps, ...host });
  for (const name of ['mount', 'umount2', 'reboot', 'unshare', 'setns', 'bpf', 'kexec_load', 'init_module']) {
    assert.deepEqual(rules(p, name).filter((s) => s.action === 'SCMP_ACT_ALLOW'), [], name);
  }
  for (const name of ['read', 'write', 'execve', 'openat', 'chroot', 'arch_prctl', 'modify_ldt']) assert.ok(allowedOutright(p, name), name);
  assert.deepEqual(rules(p, 'clone'), [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] }]);
  // clone3's flags live in a struct seccomp cannot read: ENOSYS makes libcs fall back to clone.
  assert.deepEqual(rules(p, 'clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  assert.deepEqual(
    rules(p, 'personality').map((s) => s.args),
    [0, 8, 131072, 131080, 4294967295].map((value) => [{ index: 0, value, op: 'SCMP_CMP_EQ' }]),
  );
  assert.deepEqual(rules(p, 'socket'), [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] }]);
  // Only the OCI fields reach runc: moby's comment/includes/excludes are dropped.
  for (const s of p.syscalls) for (const k of Object.keys(s)) assert.ok(['names', 'action', 'errnoRet', 'args'].includes(k), k);
});

test('ptrace needs kernel >= 4.8 (or CAP_SYS_PTRACE), compared on <kernel>.<major> only', () => {
  assert.ok(allowedOutright(defaultSeccompProfile({ capabilities: dockerCaps, arch: 'x64', kernel: '4.8.0-rc5' }), 'ptrace'));
  assert.ok(allowedOutright(defaultSeccompProfile({ capabilities: dockerCaps, arch: 'x64', kernel: '5.1' }), 'ptrace'));
  assert.ok(!allowedOutright(defaultSeccompProfile({ capabilities: dockerCaps, arch: 'x64', kernel: '4.4.0-210-generic' }), 'ptrace'));
  assert.ok(allowedOutright(defaultSeccompProfile({ capabilities: [...dockerCaps, 'CAP_SYS_PTRACE'], arch: 'x64', kernel: '4.4.0' }), 'ptrace'));
  assert.throws(() => defaultSeccompProfile({ capabilities: dockerCaps, arch: 'x64', kernel: 'weird' }), /failed to parse kernel version "weird"/);
});

test('CAP_SYS_ADMIN opens mount and unfiltered clone/clone3', () => {
  const p = defaultSeccompProfile({ capabilities: [...dockerCaps, 'CAP_SYS_ADMIN'], ...host });
  for (const name of ['mount', 'umount2', 'unshare', 'setns', 'clone', 'clone3']) assert.ok(allowedOutright(p, name), name);
  assert.ok(rules(p, 'clone').every((s) => s.args === undefined));
  assert.ok(rules(p, 'clone3').every((s) => s.action === 'SCMP_ACT_ALLOW'));
  assert.ok(!allowedOutright(p, 'reboot'));
  assert.ok(allowedOutright(defaultSeccompProfile({ capabilities: ['CAP_SYS_BOOT'], ...host }), 'reboot'));
});

test('architecture-specific rules follow the arch', () => {
  const s390 = defaultSeccompProfile({ capabilities: dockerCaps, arch: 's390x', kernel: '6.1' });
  assert.deepEqual(s390.architectures, ['SCMP_ARCH_S390X', 'SCMP_ARCH_S390']);
  assert.deepEqual(rules(s390, 'clone').map((s) => s.args?.[0]?.index), [1]);
  const arm = defaultSeccompProfile({ capabilities: dockerCaps, arch: 'arm64', kernel: '6.1' });
  assert.ok(!allowedOutright(arm, 'arch_prctl'));
  assert.ok(allowedOutright(arm, 'cacheflush'));
  assert.ok(!allowedOutright(defaultSeccompProfile({ capabilities: dockerCaps, ...host }), 'cacheflush'));
});

test('each call returns a fresh profile', () => {
  const a = defaultSeccompProfile({ capabilities: dockerCaps, ...host });
  const before = structuredClone(a);
  a.syscalls[0]?.names.push('kexec_load');
  a.syscalls.length = 1;
  a.architectures.push('SCMP_ARCH_PPC');
  assert.deepEqual(defaultSeccompProfile({ capabilities: dockerCaps, ...host }), before);
});

test('custom profiles: Docker format, OCI format, legacy name, and the errors moby gives', () => {
  const docker = loadSeccompProfile(JSON.stringify({
    defaultAction: 'SCMP_ACT_ALLOW',
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: null }],
    syscalls: [
      { name: 'mount', action: 'SCMP_ACT_ERRNO', errnoRet: 13, comment: 'x', excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['swapon'], action: 'SCMP_ACT_ERRNO', includes: { caps: ['CAP_SYS_ADMIN', 'CAP_SYS_BOOT'] } },
      { names: ['kcmp'], action: 'SCMP_ACT_LOG', includes: { minKernel: '7.0' }, args: [{ index: 1, value: 2, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
    ],
  }), { capabilities: ['CAP_SYS_BOOT'], ...host });
  assert.deepEqual(docker, {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
  });
  const oci = {
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, architectures: ['SCMP_ARCH_X86_64'], flags: ['SECCOMP_FILTER_FLAG_LOG'],
    syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, valueTwo: 3, op: 'SCMP_CMP_MASKED_EQ' }] }],
  };
  assert.deepEqual(loadSeccompProfile(JSON.stringify(oci), { capabilities: [], arch: 'arm64' }), oci);
  // moby: no defaultAction and no syscalls means seccomp off.
  assert.equal(loadSeccompProfile('{}', { capabilities: [] }), undefined);

  const bad = (json: string, re: RegExp): void => {
    assert.throws(() => loadSeccompProfile(json, { capabilities: [], ...host }), (e: unknown) => isBerthError(e, 'InvalidArgument') && re.test(e.message));
  };
  bad('{', /decoding seccomp profile failed/);
  bad('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}', /both 'architectures' and 'archMap'/);
  bad('{"syscalls":[{"name":"read","names":["write"],"action":"SCMP_ACT_ALLOW"}]}', /both 'name' and 'names'/);
  bad('{"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4.8.1"}}]}', /minKernel/);
  bad('{"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"0.0"}}]}', /minKernel/);
  bad('{"syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","errnoRet":-1}]}', /errnoRet/);
  bad('{"syscalls":{"names":["read"]}}', /syscalls: expected an array/);
});
