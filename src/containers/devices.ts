/**
 * A container's device nodes and device cgroup rules, moby's way (daemon/oci_linux.go
 * WithDevices, oci/devices_linux.go, containerd's HostDevices): `--device` mappings (a node, or a
 * directory of them), `--device-cgroup-rule`, and for `--privileged` every node of the host's
 * /dev with all devices allowed.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '../base/errors.js';
import { DEFAULT_DEVICE_RULES, type SpecInput } from '../runtime/index.js';
import type { ContainerRecord } from './types.js';

type Device = SpecInput['devices'][number];
type DeviceRule = SpecInput['deviceRules'][number];

/** moby's oci.deviceCgroupRuleRegex. */
const DEVICE_CGROUP_RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** One `--device-cgroup-rule` (`c 1:3 mr`, `a *:* rwm`) as an OCI rule; moby's messages when malformed. */
export function deviceCgroupRule(rule: string): DeviceRule {
  const m = DEVICE_CGROUP_RULE.exec(rule);
  if (!m) throw invalidArgument(`invalid device cgroup rule format: '${rule}'`);
  const number = (v: string, what: string): number => {
    if (v === '*') return -1;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw invalidArgument(`invalid ${what} value in device cgroup rule format: '${rule}'`);
    return n;
  };
  return { allow: true, type: m[1]!, major: number(m[2]!, 'major'), minor: number(m[3]!, 'minor'), access: m[4]! };
}

class NotADevice extends Error {
  constructor() {
    super('not a device node');
  }
}

const S_IFMT = 0o170000n;
const TYPES: Record<string, string> = { [String(0o060000)]: 'b', [String(0o020000)]: 'c', [String(0o010000)]: 'p' };

/** containerd's DeviceFromPath: the node itself (never a symlink's target), with the host's mode and owner. */
async function deviceFromPath(path: string): Promise<Device> {
  const st = await lstat(path, { bigint: true });
  const type = TYPES[String(st.mode & S_IFMT)];
  if (!type) throw new NotADevice();
  // glibc's major()/minor() of the kernel's dev_t.
  const major = ((st.rdev >> 8n) & 0xfffn) | ((st.rdev >> 32n) & 0xfffff000n);
  const minor = (st.rdev & 0xffn) | ((st.rdev >> 12n) & 0xffffff00n);
  return { path, type, major: Number(major), minor: Number(minor), fileMode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid) };
}

/** Directories of /dev that are not the host's devices (containerd's list). */
const SKIPPED_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** containerd's HostDevices: every block and char node under /dev, by name, as the host has it. */
export async function hostDevices(dir = '/dev'): Promise<Device[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: Device[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) out.push(...(await hostDevices(path)));
      continue;
    }
    if (e.name === 'console') continue;
    try {
      const d = await deviceFromPath(path);
      if (d.type !== 'p') out.push(d);
    } catch (err) {
      // Not a node, or gone meanwhile: not a device to give.
      if (!(err instanceof NotADevice) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out;
}

/** Every path under `dir`, depth first, without following symlinks (Go's filepath.WalkDir). */
async function walk(dir: string): Promise<string[]> {
  const out = [dir];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

/** moby's DevicesFromPath: a node (through a symlink), or the nodes in a directory, each with its rule. */
export async function devicesFromPath(pathOnHost: string, pathInContainer: string, permissions: string): Promise<{ devices: Device[]; rules: DeviceRule[] }> {
  let resolved = pathOnHost;
  if ((await lstat(pathOnHost).catch(() => undefined))?.isSymbolicLink()) resolved = await realpath(pathOnHost).catch(() => pathOnHost);
  const rule = (d: Device): DeviceRule => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: permissions });
  let reason: string;
  try {
    const d = { ...(await deviceFromPath(resolved)), path: pathInContainer };
    return { devices: [d], rules: [rule(d)] };
  } catch (err) {
    if (!(err instanceof NotADevice)) {
      const code = (err as NodeJS.ErrnoException).code;
      reason = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw invalidArgument(`error gathering device information while adding custom device "${pathOnHost}": ${reason}`);
    }
    reason = err.message;
  }
  const devices: Device[] = [];
  if ((await stat(resolved).catch(() => undefined))?.isDirectory()) {
    for (const path of await walk(resolved)) {
      const d = await deviceFromPath(path).catch(() => undefined);
      if (d) devices.push({ ...d, path: path.replace(resolved, () => pathInContainer) });
    }
  }
  if (!devices.length) throw invalidArgument(`error gathering device information while adding custom device "${pathOnHost}": ${reason}`);
  return { devices, rules: devices.map(rule) };
}

/** The nodes a container gets and its device cgroup rules (moby's WithDevices). */
export async function devices(rec: ContainerRecord): Promise<{ devices: SpecInput['devices']; rules: SpecInput['deviceRules'] }> {
  const h = rec.hostConfig;
  const mapped = (d: (typeof h.devices)[number]): string => d.pathInContainer || d.pathOnHost;
  if (h.privileged) {
    const devs = await hostDevices();
    // The host's nodes are all there already; a mapping to another path adds that path too.
    for (const d of h.devices) if (d.pathOnHost !== mapped(d)) devs.push(...(await devicesFromPath(d.pathOnHost, mapped(d), 'rwm')).devices);
    return { devices: devs, rules: [{ allow: true, access: 'rwm' }] };
  }
  const devs: Device[] = [];
  const rules: DeviceRule[] = [...DEFAULT_DEVICE_RULES];
  for (const d of h.devices) {
    const r = await devicesFromPath(d.pathOnHost, mapped(d), d.cgroupPermissions || 'rwm');
    devs.push(...r.devices);
    rules.push(...r.rules);
  }
  for (const r of h.deviceCgroupRules ?? []) rules.push(deviceCgroupRule(r));
  return { devices: devs, rules };
}
