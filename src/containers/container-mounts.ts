/**
 * A container's storage: at create, `-v`/`--mount`/`--tmpfs`/`--volumes-from` and the image's
 * VOLUMEs become mount points (moby's registerMountPoints), creating the volumes they name; at
 * start they become OCI mounts (volumes mounted, empty ones filled from the image, missing `-v`
 * host directories made); at stop and removal the volumes are let go.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, chmod, chown, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { BerthError, invalidArgument } from '../base/errors.js';
import { mountPropagation } from '../base/mountinfo.js';
import { resolveInRoot } from '../base/root-path.js';
import type { OciMount } from '../runtime/index.js';
import { checkTmpfsDestination, cleanPath, parseBind, parseMountSpec, parseVolumesFrom, tmpfsOptions } from './mount-specs.js';
import type { ContainerRecord, HostConfig, MountPoint } from './types.js';

const execFileP = promisify(execFile);

/** What containers need of volumes (the daemon passes the volume service). */
export interface ContainerVolumes {
  create(req: { name?: string; driver?: string; labels?: Record<string, string>; options?: Record<string, string> }): Promise<{ name: string; mountpoint: string; driver: string }>;
  createAnonymous(): Promise<{ name: string; mountpoint: string; driver: string }>;
  reference(name: string, container: string): void;
  release(name: string, container: string): void;
  /** `quiet`: no mount/unmount events (filling a volume at create is not a container's mount). */
  mount(name: string, ev: { container: string; destination: string; readWrite: boolean; propagation: string }, quiet?: boolean): Promise<string>;
  unmount(name: string, container: string, quiet?: boolean): Promise<void>;
  remove(name: string): Promise<void>;
}

/**
 * The mount points of a container being created, in moby's order: volumes-from, then `-v`,
 * then `--mount`, then the image's and `-v /path` anonymous volumes. On failure, the volumes
 * it made are removed again.
 */
export async function registerMountPoints(
  id: string,
  hc: HostConfig,
  configVolumes: Record<string, object>,
  volumes: ContainerVolumes,
  findContainer: (ref: string) => ContainerRecord,
): Promise<MountPoint[]> {
  const points = new Map<string, MountPoint>();
  const made: string[] = [];
  const referenced: string[] = [];
  const use = (name: string): void => {
    volumes.reference(name, id);
    referenced.push(name);
  };
  try {
    for (const spec of hc.volumesFrom) {
      const { container, rw } = parseVolumesFrom(spec);
      let from: ContainerRecord;
      try {
        from = findContainer(container);
      } catch (err) {
        // moby answers 400 here: the create request is what is wrong.
        if (err instanceof BerthError && err.kind === 'NotFound') throw invalidArgument(err.message);
        throw err;
      }
      for (const m of from.mounts ?? []) {
        points.set(m.destination, { ...m, rw: m.rw && rw, mode: '', copyData: false });
        if (m.type === 'volume') use(m.name);
      }
    }

    const explicit = new Set<string>();
    const duplicate = (dest: string): BerthError => invalidArgument(`Duplicate mount point: ${dest}`);
    for (const raw of hc.binds) {
      const mp = parseBind(raw, hc.volumeDriver);
      if (explicit.has(mp.destination) || mp.destination in hc.tmpfs) throw duplicate(mp.destination);
      if (mp.type === 'volume') await attachVolume(mp, mp.name ? { name: mp.name } : undefined);
      explicit.add(mp.destination);
      points.set(mp.destination, mp);
    }

    for (const spec of hc.mounts) {
      const mp = parseMountSpec(spec, (p) => existsSync(p));
      if (explicit.has(mp.destination)) throw duplicate(spec.target);
      if (mp.type === 'volume') {
        const vo = spec.volumeOptions;
        await attachVolume(mp, mp.name ? { name: mp.name, ...(vo ? { labels: vo.labels, ...(vo.driverConfig ? { options: vo.driverConfig.options } : {}) } : {}) } : undefined);
      }
      explicit.add(mp.destination);
      points.set(mp.destination, mp);
    }

    for (const dest of Object.keys(hc.tmpfs)) checkTmpfsDestination(dest);

    for (const spec of Object.keys(configVolumes)) {
      const dest = cleanPath(spec);
      if (!dest.startsWith('/')) throw invalidArgument(`invalid mount path: '${spec}' mount path must be absolute`);
      if (points.has(dest) || dest in hc.tmpfs) continue;
      const mp: MountPoint = { type: 'volume', name: '', source: '', destination: dest, driver: '', mode: '', rw: true, propagation: '', copyData: true, anonymous: true, createSource: false, nonRecursive: false, subpath: '', tmpfsData: '' };
      await attachVolume(mp, undefined);
      mp.mode = '';
      points.set(dest, mp);
    }
    return [...points.values()];
  } catch (err) {
    for (const name of referenced) volumes.release(name, id);
    for (const name of made) await volumes.remove(name).catch(() => {});
    throw err;
  }

  /** Creates (or finds) the volume a mount point names; anonymous when `named` is undefined. */
  async function attachVolume(mp: MountPoint, named: { name: string; labels?: Record<string, string>; options?: Record<string, string> } | undefined): Promise<void> {
    if (mp.driver && mp.driver !== 'local') throw new BerthError('NotFound', `error looking up volume plugin ${mp.driver}: plugin "${mp.driver}" not found`);
    const v = named ? await volumes.create({ ...named }) : await volumes.createAnonymous();
    if (!named) made.push(v.name);
    mp.name = v.name;
    mp.source = v.mountpoint;
    mp.driver = v.driver;
    mp.anonymous = !named;
    // moby's setBindModeIfNull for the local driver.
    if (!mp.mode) mp.mode = 'z';
    use(v.name);
  }
}

/**
 * The OCI mounts for a start, with what they need done first: volumes mounted, `-v` host
 * directories made, propagation checked.
 * `mounted` receives each volume mounted, so a failed start can let them go.
 */
export async function prepareMounts(
  rec: ContainerRecord,
  volumes: ContainerVolumes,
  mounted: string[],
): Promise<{ mounts: OciMount[]; rootfsPropagation: string | undefined }> {
  const out: OciMount[] = [];
  let rootfsPropagation: string | undefined;
  for (const m of rec.mounts ?? []) {
    if (m.type === 'tmpfs') {
      out.push({ destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(m.tmpfsData) });
      continue;
    }
    let source = m.source;
    if (m.type === 'volume') {
      source = await volumes.mount(m.name, { container: rec.id, destination: m.destination, readWrite: m.rw, propagation: m.propagation });
      mounted.push(m.name);
      if (m.subpath) {
        // Inside the volume, symlinks included: a link in it must not lead the bind out to the host.
        source = resolveInRoot(source, m.subpath);
        if (!(await exists(source))) throw invalidArgument(`cannot access path ${source}: no such file or directory`);
      }
    } else if (!(await exists(source))) {
      if (!m.createSource) throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${source}`);
      // `-v /host:/dst` makes the host directory, as Docker does.
      await mkdir(source, { recursive: true, mode: 0o755 });
    }
    const options = [m.nonRecursive ? 'bind' : 'rbind'];
    if (!m.rw) options.push('ro');
    if (m.propagation) {
      options.push(m.propagation);
      rootfsPropagation = strongerPropagation(rootfsPropagation, m.propagation, source);
    }
    out.push({ destination: m.destination, type: 'bind', source, options });
  }
  for (const [dest, data] of Object.entries(rec.hostConfig.tmpfs)) {
    out.push({ destination: cleanPath(dest), type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(data) });
  }
  return { mounts: out, rootfsPropagation };
}

/** A shared bind needs an rshared root and a shared source; a slave one rslave (oci_linux.go). */
function strongerPropagation(current: string | undefined, prop: string, source: string): string | undefined {
  if (prop === 'shared' || prop === 'rshared') {
    const at = mountPropagation(source);
    if (at.propagation !== 'shared') throw invalidArgument(`path ${source} is mounted on ${at.mountPoint} but it is not a shared mount`);
    return 'shared';
  }
  if (prop === 'slave' || prop === 'rslave') {
    const at = mountPropagation(source);
    if (at.propagation === 'private') throw invalidArgument(`path ${source} is mounted on ${at.mountPoint} but it is not a shared or slave mount`);
    return current === 'shared' ? current : 'rslave';
  }
  return current;
}

/**
 * At create, Docker's copy-up: each empty volume the container mounts where its image has a
 * directory gets that directory's content (moby's populateVolumes). `rootfs` is the mounted image.
 */
export async function populateVolumes(rec: ContainerRecord, rootfs: string, volumes: ContainerVolumes): Promise<void> {
  for (const m of rec.mounts ?? []) {
    if (m.type !== 'volume' || !m.copyData) continue;
    const dir = await volumes.mount(m.name, { container: rec.id, destination: m.destination, readWrite: m.rw, propagation: m.propagation }, true);
    try {
      await copyImageContent(rootfs, m.destination, m.subpath ? resolveInRoot(dir, m.subpath) : dir);
    } finally {
      await volumes.unmount(m.name, rec.id, true);
    }
  }
}

/**
 * Docker's copy-up: an empty volume mounted where the image has a directory gets that
 * directory's files, owners and modes (and the directory's own owner and mode).
 */
async function copyImageContent(rootfs: string, destination: string, volumeDir: string): Promise<void> {
  let src: string;
  try {
    src = resolveInRoot(rootfs, destination);
  } catch {
    return;
  }
  const st = await stat(src).catch(() => undefined);
  if (!st?.isDirectory() || (await readdir(volumeDir)).length > 0) return;
  if ((await readdir(src)).length > 0) {
    try {
      await execFileP('cp', ['-a', '--', `${src}/.`, `${volumeDir}/`]);
    } catch (err) {
      throw new BerthError('Internal', `copying the image's ${destination} into its volume: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim()}`, { cause: err });
    }
  }
  const vst = await lstat(volumeDir);
  if (vst.uid !== st.uid || vst.gid !== st.gid) await chown(volumeDir, st.uid, st.gid);
  if ((vst.mode & 0o7777) !== (st.mode & 0o7777)) await chmod(volumeDir, st.mode & 0o7777);
}

const exists = (path: string): Promise<boolean> => access(path).then(
  () => true,
  () => false,
);

/** Lets go of the volumes a stopped container had mounted. */
export async function releaseMounts(rec: ContainerRecord, volumes: ContainerVolumes, names?: string[]): Promise<void> {
  const list = names ?? (rec.mounts ?? []).filter((m) => m.type === 'volume').map((m) => m.name);
  for (const name of list) await volumes.unmount(name, rec.id).catch(() => {});
}

/**
 * At removal: the container no longer uses its volumes; with `rm -v` (and `--rm`) its anonymous
 * ones go too, unless another container still uses them (moby's removeMountPoints).
 */
export async function dropMountPoints(rec: ContainerRecord, volumes: ContainerVolumes, removeAnonymous: boolean): Promise<string[]> {
  const errors: string[] = [];
  for (const m of rec.mounts ?? []) {
    if (m.type !== 'volume') continue;
    volumes.release(m.name, rec.id);
    if (!removeAnonymous || !m.anonymous) continue;
    try {
      await volumes.remove(m.name);
    } catch (err) {
      if (!(err instanceof BerthError && (err.kind === 'Conflict' || err.kind === 'NotFound'))) errors.push((err as Error).message);
    }
  }
  return errors;
}
