/**
 * `-v`, `--mount`, `--tmpfs` and `--volumes-from` specs parsed and checked the way moby's
 * volume/mounts/linux_parser.go does, with its error messages. Pure: the caller creates the
 * volumes and checks the host.
 */
import { posix } from 'node:path';
import { invalidArgument } from '../base/errors.js';
import type { MountPoint, MountSpec } from './types.js';

const PROPAGATION = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
const MODE_CLASSES: string[][] = [['rw', 'ro'], ['z', 'Z'], PROPAGATION, ['nocopy'], ['consistent', 'cached', 'delegated']];

/** moby's ValidMountMode: comma-separated modes, at most one of each kind. */
export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = MODE_CLASSES.map(() => 0);
  for (const m of mode.split(',')) {
    const cls = MODE_CLASSES.findIndex((c) => c.includes(m));
    if (cls < 0) return false;
    if (++counts[cls]! > 1) return false;
  }
  return true;
}

const modes = (mode: string): string[] => (mode ? mode.split(',') : []);
const readWrite = (mode: string): boolean => !modes(mode).includes('ro');
const propagationOf = (mode: string): string => modes(mode).find((m) => PROPAGATION.includes(m)) ?? '';

class MountConfigError extends Error {}

/** Go's path.Clean: normalized, without a trailing slash. */
function clean(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Turns a check's failure into moby's `invalid mount config for type "x": …`. */
function mountConfigError(type: string, why: string): MountConfigError {
  return new MountConfigError(`invalid mount config for type "${type}": ${why}`);
}

function checkTarget(type: string, target: string): void {
  if (!target) throw mountConfigError(type, 'field Target must not be empty');
  if (clean(target) === '/') throw mountConfigError(type, "invalid specification: destination can't be '/'");
  if (!target.startsWith('/')) throw mountConfigError(type, `invalid mount path: '${target}' mount path must be absolute`);
}

function emptyMountPoint(): MountPoint {
  return { type: 'volume', name: '', source: '', destination: '', driver: '', mode: '', rw: true, propagation: '', copyData: true, anonymous: false, createSource: false, nonRecursive: false, subpath: '', tmpfsData: '' };
}

/**
 * A `--mount` spec (moby's parseMountSpec + validateMountConfig). `bindSourceExists` is asked
 * only for binds, as `--mount` refuses a missing source where `-v` creates it.
 */
export function parseMountSpec(spec: MountSpec, bindSourceExists: (path: string) => boolean): MountPoint {
  try {
    return mountPointOf(spec, bindSourceExists);
  } catch (err) {
    if (err instanceof MountConfigError) throw invalidArgument(err.message);
    throw err;
  }
}

function mountPointOf(spec: MountSpec, bindSourceExists: ((path: string) => boolean) | undefined): MountPoint {
  const type = spec.type;
  checkTarget(type, spec.target);
  const mp: MountPoint = { ...emptyMountPoint(), rw: !spec.readOnly, destination: clean(spec.target) };
  switch (type) {
    case 'bind': {
      if (!spec.source) throw mountConfigError(type, 'field Source must not be empty');
      const prop = spec.bindOptions?.propagation ?? '';
      if (prop && !PROPAGATION.includes(prop)) throw mountConfigError(type, `invalid propagation mode: ${prop}`);
      if (spec.volumeOptions) throw mountConfigError(type, 'field VolumeOptions must not be specified');
      if (spec.tmpfsOptions) throw mountConfigError(type, 'field TmpfsOptions must not be specified');
      if (!spec.source.startsWith('/')) throw mountConfigError(type, `invalid mount path: '${spec.source}' mount path must be absolute`);
      if (bindSourceExists && !spec.bindOptions?.createMountpoint && !bindSourceExists(spec.source)) throw mountConfigError(type, `bind source path does not exist: ${spec.source}`);
      return { ...mp, type: 'bind', source: clean(spec.source), propagation: prop || 'rprivate', copyData: false, nonRecursive: spec.bindOptions?.nonRecursive ?? false, createSource: spec.bindOptions?.createMountpoint ?? false };
    }
    case 'volume': {
      if (spec.bindOptions) throw mountConfigError(type, 'field BindOptions must not be specified');
      if (spec.tmpfsOptions) throw mountConfigError(type, 'field TmpfsOptions must not be specified');
      const anonymous = spec.source === '';
      const subpath = spec.volumeOptions?.subpath ?? '';
      if (subpath) {
        if (anonymous) throw mountConfigError(type, 'must not set Subpath when using anonymous volumes');
        if (subpath.startsWith('/') || posix.normalize(subpath).split('/')[0] === '..') throw mountConfigError(type, 'subpath must be a relative path within the volume');
      }
      if (spec.readOnly && anonymous) throw mountConfigError(type, 'must not set ReadOnly mode when using anonymous volumes');
      return { ...mp, type: 'volume', name: spec.source, driver: spec.volumeOptions?.driverConfig?.name ?? '', anonymous, copyData: !(spec.volumeOptions?.noCopy ?? false), subpath };
    }
    case 'tmpfs': {
      if (spec.bindOptions) throw mountConfigError(type, 'field BindOptions must not be specified');
      if (spec.volumeOptions) throw mountConfigError(type, 'field VolumeOptions must not be specified');
      if (spec.source) throw mountConfigError(type, 'field Source must not be specified');
      return { ...mp, type: 'tmpfs', copyData: false, tmpfsData: tmpfsData(spec.tmpfsOptions, spec.readOnly) };
    }
    default:
      throw mountConfigError(type, 'mount type unknown');
  }
}

/** A `-v` spec (moby's ParseMountRaw). Named and anonymous volumes get their names later. */
export function parseBind(raw: string, volumeDriver = ''): MountPoint {
  const invalid = (why?: string): Error => invalidArgument(`invalid volume specification: '${raw}'${why ? `: ${why}` : ''}`);
  const parts = splitRawSpec(raw);
  if (parts[0] === '') throw invalid();
  let source = '';
  let target: string;
  let mode = '';
  switch (parts.length) {
    case 1:
      target = parts[0]!;
      break;
    case 2:
      // A destination and a mode is not a volume: volumes cannot take a mode alone.
      if (validMountMode(parts[1]!)) throw invalid();
      [source, target] = parts as [string, string];
      break;
    case 3:
      [source, target, mode] = parts as [string, string, string];
      break;
    default:
      throw invalid();
  }
  if (!validMountMode(mode)) throw invalidArgument(`invalid mode: ${mode}`);
  const isBind = source.startsWith('/');
  const spec: MountSpec = {
    type: isBind ? 'bind' : 'volume',
    source,
    target,
    readOnly: !readWrite(mode),
    consistency: '',
    ...(propagationOf(mode) ? { bindOptions: { propagation: propagationOf(mode), nonRecursive: false, createMountpoint: false } } : {}),
    // `nocopy` is a volume option: on a bind it fails the check below, as in moby.
    ...(modes(mode).includes('nocopy') ? { volumeOptions: { noCopy: true, labels: {}, subpath: '' } } : {}),
  };
  let mp: MountPoint;
  try {
    // As in moby, a propagation mode on a volume fails the check (BindOptions on a volume).
    mp = mountPointOf(spec, undefined);
  } catch (err) {
    if (err instanceof MountConfigError) throw invalid(err.message);
    throw err;
  }
  mp.mode = mode;
  if (mp.type === 'volume') {
    mp.driver = volumeDriver;
  } else {
    mp.createSource = true;
  }
  return mp;
}

/** moby splits on colons (at most 4 parts); Linux paths cannot hold a drive letter's colon. */
function splitRawSpec(raw: string): string[] {
  const parts = raw.split(':');
  return parts.length > 4 ? [...parts.slice(0, 3), parts.slice(3).join(':')] : parts;
}

/** `--volumes-from container[:ro|rw]`. */
export function parseVolumesFrom(spec: string): { container: string; rw: boolean } {
  if (spec === '') throw invalidArgument(`volumes-from specification cannot be an empty string`);
  const i = spec.indexOf(':');
  if (i < 0) return { container: spec, rw: true };
  const mode = spec.slice(i + 1);
  // Access, label and consistency modes only: no propagation, no nocopy.
  if (!validMountMode(mode) || modes(mode).some((m) => PROPAGATION.includes(m) || m === 'nocopy')) throw invalidArgument(`invalid mode: ${mode}`);
  return { container: spec.slice(0, i), rw: readWrite(mode) };
}

/** moby's ConvertTmpfsOptions: `--mount type=tmpfs` options as mount data. */
export function tmpfsData(opts: { sizeBytes: number; mode: number } | undefined, readOnly: boolean): string {
  const raw: string[] = [];
  if (readOnly) raw.push('ro');
  if (opts?.mode) raw.push(`mode=${opts.mode.toString(8)}`);
  if (opts?.sizeBytes) {
    if (opts.sizeBytes < 0) throw mountConfigError('tmpfs', 'invalid tmpfs size: must not be negative');
    let size = opts.sizeBytes;
    let suffix = '';
    for (const s of ['k', 'm', 'g']) {
      if (size % 1024 !== 0) break;
      size /= 1024;
      suffix = s;
    }
    raw.push(`size=${size}${suffix}`);
  }
  return raw.join(',');
}

/** Flags that undo each other in tmpfs options: a later one wins (moby's MergeTmpfsOptions). */
const OPPOSITES: Record<string, string> = { exec: 'noexec', suid: 'nosuid', dev: 'nodev', rw: 'ro', atime: 'noatime', diratime: 'nodiratime', relatime: 'norelatime', strictatime: 'nostrictatime' };

/** mount(8) flag words moby's MergeTmpfsOptions knows. */
const FLAGS = new Set(['ro', 'rw', 'suid', 'nosuid', 'dev', 'nodev', 'exec', 'noexec', 'sync', 'async', 'dirsync', 'remount', 'mand', 'nomand', 'atime', 'noatime', 'diratime', 'nodiratime', 'bind', 'rbind', 'unbindable', 'runbindable', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'relatime', 'norelatime', 'strictatime', 'nostrictatime']);
const DATA_KEYS = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/** A tmpfs's OCI options: Docker's defaults (noexec, nosuid, nodev, rprivate) under the user's. */
export function tmpfsOptions(data: string): string[] {
  for (const o of data ? data.split(',') : []) {
    if (o === 'defaults' || FLAGS.has(o)) continue;
    const eq = o.indexOf('=');
    if (eq < 0 || !DATA_KEYS.has(o.slice(0, eq))) throw invalidArgument(`invalid tmpfs option [${(eq < 0 ? [o] : [o.slice(0, eq), o.slice(eq + 1)]).map((x) => JSON.stringify(x)).join(' ')}]`);
  }
  const out: string[] = [];
  // A flag and its opposite share a key: the positive word.
  const flagKey = (o: string): string => (o in OPPOSITES ? o : (Object.keys(OPPOSITES).find((k) => OPPOSITES[k] === o) ?? o));
  for (const o of ['noexec', 'nosuid', 'nodev', 'rprivate', ...(data ? data.split(',') : [])]) {
    if (!o || o === 'defaults') continue;
    const eq = o.indexOf('=');
    const key = eq > 0 ? o.slice(0, eq) + '=' : PROPAGATION.includes(o) ? 'propagation' : flagKey(o);
    const at = out.findIndex((x) => {
      const xe = x.indexOf('=');
      const xk = xe > 0 ? x.slice(0, xe) + '=' : PROPAGATION.includes(x) ? 'propagation' : flagKey(x);
      return xk === key;
    });
    if (at >= 0) out.splice(at, 1);
    out.push(o);
  }
  return out;
}

/** `--tmpfs` destinations: absolute, not `/` (moby's ValidateTmpfsMountDestination). */
export { clean as cleanPath };

export function checkTmpfsDestination(dest: string): void {
  try {
    checkTarget('tmpfs', dest);
  } catch (err) {
    if (err instanceof MountConfigError) throw invalidArgument(err.message.replace(/^invalid mount config for type "tmpfs": /, ''));
    throw err;
  }
}
