/**
 * Docker's seccomp profiles in the OCI runtime-spec form that runc consumes.
 *
 * Ported from moby v28.5.2, which vendors github.com/moby/profiles/seccomp v0.1.0 (setupSeccomp in
 * seccomp_linux.go, KernelVersion in seccomp.go, kernelGreaterEqualThan in kernel_linux.go).
 * Copyright 2013-2018 Docker, Inc.; Apache License 2.0. The profile data is seccomp-default.ts,
 * generated from the verbatim seccomp-default.json.
 */
import { endianness, release } from 'node:os';
import { invalidArgument } from '../base/errors.js';
import defaultProfileData from './seccomp-default.js';

export interface OciSeccompArg { index: number; value: number; valueTwo?: number; op: string }
export interface OciSyscall { names: string[]; action: string; errnoRet?: number; args?: OciSeccompArg[] }
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: OciSyscall[];
}

export interface SeccompOptions {
  /** The container's bounding set, e.g. `CAP_SYS_ADMIN`: moby matches `caps` against it. */
  capabilities: string[];
  /** Node's `process.arch` (or moby's own name, e.g. `amd64`); defaults to the host's. */
  arch?: string;
  /** A `uname -r` string; defaults to the host's. Only `<kernel>.<major>` is compared. */
  kernel?: string;
}

interface KernelVersion { kernel: number; major: number }
interface Filter { caps: string[]; arches: string[]; minKernel: KernelVersion | undefined }
interface Rule { syscall: OciSyscall; includes: Filter | undefined; excludes: Filter | undefined }
interface DockerProfile { base: OciSeccomp; archMap: { arch: string; subArches: string[] }[]; rules: Rule[] }

// moby's rules name architectures the way libseccomp's Go binding does (goToNative), not as Node does.
const nodeToMoby = new Map(Object.entries({
  x64: 'amd64', ia32: 'x86', arm: 'arm', arm64: 'arm64', mipsel: 'mipsel', mips64el: 'mipsel64', ppc: 'ppc',
  // Node says ppc64 for both byte orders; Linux distributions ship the little-endian one.
  ppc64: endianness() === 'LE' ? 'ppc64le' : 'ppc64', riscv64: 'riscv64', s390: 's390', s390x: 's390x',
}));
// Keyed as moby's nativeToSeccomp, quirks included: it says `mipsle` where goToNative says `mipsel`,
// so a mipsel host gets no architectures list from moby either.
const mobyToScmp = new Map(Object.entries({
  x86: 'SCMP_ARCH_X86', amd64: 'SCMP_ARCH_X86_64', arm: 'SCMP_ARCH_ARM', arm64: 'SCMP_ARCH_AARCH64',
  mips64: 'SCMP_ARCH_MIPS64', mips64n32: 'SCMP_ARCH_MIPS64N32', mipsel64: 'SCMP_ARCH_MIPSEL64',
  mips3l64n32: 'SCMP_ARCH_MIPSEL64N32', mipsle: 'SCMP_ARCH_MIPSEL', ppc: 'SCMP_ARCH_PPC', ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE', riscv64: 'SCMP_ARCH_RISCV64', s390: 'SCMP_ARCH_S390', s390x: 'SCMP_ARCH_S390X',
}));

/** The default profile as dockerd hands it to runc for a container with these capabilities. */
export function defaultSeccompProfile(opts: SeccompOptions): OciSeccomp {
  builtin ??= parseProfile(defaultProfileData);
  // The built-in profile is never empty, so setupSeccomp always yields a filter for it.
  return setupSeccomp(builtin, opts) as OciSeccomp;
}
let builtin: DockerProfile | undefined;

/**
 * A `--security-opt seccomp=<file>` profile. Like Docker this takes its own format (`archMap`,
 * `includes`/`excludes`, legacy `name`) and, since that format extends the OCI one, a plain OCI
 * profile with `architectures`. `undefined` means no filter: moby treats a profile with neither
 * `defaultAction` nor `syscalls` as "seccomp disabled".
 */
export function loadSeccompProfile(json: string, opts: SeccompOptions): OciSeccomp | undefined {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    throw invalidArgument(`decoding seccomp profile failed: ${(err as Error).message}`, err);
  }
  return setupSeccomp(parseProfile(data), opts);
}

function setupSeccomp(profile: DockerProfile, opts: SeccompOptions): OciSeccomp | undefined {
  const { base, archMap, rules } = profile;
  if (base.defaultAction === '' && rules.length === 0) return undefined;
  if (base.architectures.length > 0 && archMap.length > 0) {
    throw invalidArgument("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const requested = opts.arch ?? process.arch;
  const arch = nodeToMoby.get(requested) ?? (mobyToScmp.has(requested) ? requested : '');
  const out: OciSeccomp = structuredClone({ ...base, syscalls: [] });
  // Only the host's own entry is used; if archMap lacks it, runc falls back to the native arch.
  const entry = archMap.find((a) => a.arch === mobyToScmp.get(arch));
  if (entry !== undefined) out.architectures.push(entry.arch, ...entry.subArches);

  // The kernel is looked at only when a rule asks, as moby does, so an odd release string only
  // fails profiles that use minKernel.
  let kernel: KernelVersion | undefined;
  const kernelAtLeast = (min: KernelVersion): boolean => {
    kernel ??= parseRelease(opts.kernel ?? release());
    return kernel.kernel > min.kernel || (kernel.kernel === min.kernel && kernel.major >= min.major);
  };
  const caps = new Set(opts.capabilities);
  const excluded = (f: Filter): boolean =>
    f.arches.includes(arch) || f.caps.some((c) => caps.has(c)) || (f.minKernel !== undefined && kernelAtLeast(f.minKernel));
  const included = (f: Filter): boolean =>
    (f.arches.length === 0 || f.arches.includes(arch)) && f.caps.every((c) => caps.has(c)) &&
    (f.minKernel === undefined || kernelAtLeast(f.minKernel));

  for (const rule of rules) {
    if (rule.excludes !== undefined && excluded(rule.excludes)) continue;
    if (rule.includes !== undefined && !included(rule.includes)) continue;
    out.syscalls.push(structuredClone(rule.syscall));
  }
  return out;
}

function parseRelease(rel: string): KernelVersion {
  // Go's Sscanf("%d.%d"): "3.12.25-gentoo" and "3.12-1-amd64" are both 3.12.
  const m = /^\s*([+-]?\d+)\.([+-]?\d+)/.exec(rel);
  if (m === null) throw invalidArgument(`failed to parse kernel version "${rel}"`);
  return { kernel: Number(m[1]), major: Number(m[2]) };
}

// Decoding mirrors Go's encoding/json into moby's types: unknown keys are ignored, null means
// absent, wrong types are errors (Go's case-insensitive key matching is not reproduced).
type Obj = Record<string, unknown>;
function fail(where: string, want: string): never {
  throw invalidArgument(`decoding seccomp profile failed: ${where}: expected ${want}`);
}
function obj(v: unknown, where: string): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : fail(where, 'an object');
}
function str(v: unknown, where: string): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : fail(where, 'a string');
}
function uint(v: unknown, where: string): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(where, 'an unsigned integer');
}
function optUint(v: unknown, where: string): number | undefined {
  return v === undefined || v === null ? undefined : uint(v, where);
}
function list<T>(v: unknown, where: string, item: (x: unknown, where: string) => T): T[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map((x, i) => item(x, `${where}[${i}]`)) : fail(where, 'an array');
}

function parseProfile(data: unknown): DockerProfile {
  const p = obj(data, 'profile');
  const base: OciSeccomp = {
    defaultAction: str(p.defaultAction, 'defaultAction'),
    architectures: list(p.architectures, 'architectures', str),
    syscalls: [],
  };
  const errno = optUint(p.defaultErrnoRet, 'defaultErrnoRet');
  if (errno !== undefined) base.defaultErrnoRet = errno;
  const flags = list(p.flags, 'flags', str);
  if (flags.length > 0) base.flags = flags;
  for (const key of ['listenerPath', 'listenerMetadata'] as const) {
    const s = str(p[key], key);
    if (s !== '') base[key] = s;
  }
  const archMap = list(p.archMap, 'archMap', (a, where) => {
    const o = obj(a, where);
    return { arch: str(o.architecture, `${where}.architecture`), subArches: list(o.subArchitectures, `${where}.subArchitectures`, str) };
  });
  return { base, archMap, rules: list(p.syscalls, 'syscalls', parseRule) };
}

function parseRule(v: unknown, where: string): Rule {
  const o = obj(v, where);
  const name = str(o.name, `${where}.name`);
  let names = list(o.names, `${where}.names`, str);
  if (name !== '') {
    if (names.length > 0) throw invalidArgument("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
    names = [name];
  }
  const syscall: OciSyscall = { names, action: str(o.action, `${where}.action`) };
  const errnoRet = optUint(o.errnoRet, `${where}.errnoRet`);
  if (errnoRet !== undefined) syscall.errnoRet = errnoRet;
  const args = list(o.args, `${where}.args`, (a, at): OciSeccompArg => {
    const ao = obj(a, at);
    const arg: OciSeccompArg = { index: uint(ao.index ?? 0, `${at}.index`), value: uint(ao.value ?? 0, `${at}.value`), op: str(ao.op, `${at}.op`) };
    const two = optUint(ao.valueTwo, `${at}.valueTwo`);
    if (two !== undefined && two !== 0) arg.valueTwo = two;
    return arg;
  });
  if (args.length > 0) syscall.args = args;
  return { syscall, includes: parseFilter(o.includes, `${where}.includes`), excludes: parseFilter(o.excludes, `${where}.excludes`) };
}

function parseFilter(v: unknown, where: string): Filter | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, where);
  return { caps: list(o.caps, `${where}.caps`, str), arches: list(o.arches, `${where}.arches`, str), minKernel: parseMinKernel(o.minKernel, `${where}.minKernel`) };
}

// moby's KernelVersion.UnmarshalJSON: "<kernel>.<major>", each 0..255, not "0.0"; "" means unset.
function parseMinKernel(v: unknown, where: string): KernelVersion | undefined {
  const s = str(v, where);
  if (s === '') return undefined;
  const m = /^(\d+)\.(\d+)$/.exec(s);
  const [kernel, major] = [Number(m?.[1]), Number(m?.[2])];
  if (m === null || kernel > 255 || major > 255 || (kernel === 0 && major === 0)) fail(where, `"<kernel>.<major>", got "${s}"`);
  return { kernel, major };
}
